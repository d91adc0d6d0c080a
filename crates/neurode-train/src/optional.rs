//! `Option` fields in TOML: TOML has no null, so `None` is written as the string `"none"`
//! (and `"off"` is accepted when reading). A config file then says explicitly that clipping
//! or time weighting is off, instead of omitting the key (which would mean "the default").

use serde::de::{self, DeserializeOwned};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Serialises `None` as `"none"`.
pub fn serialize<T: Serialize, S: Serializer>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => v.serialize(s),
        None => s.serialize_str("none"),
    }
}

/// Reads a value, or `"none"` / `"off"` as `None`.
pub fn deserialize<'de, T: DeserializeOwned, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw<T> {
        Word(String),
        Value(T),
    }
    match Raw::<T>::deserialize(d)? {
        Raw::Value(v) => Ok(Some(v)),
        Raw::Word(w) if w == "none" || w == "off" => Ok(None),
        Raw::Word(w) => {
            // A string that is a value of T (a path) is that value.
            T::deserialize(de::value::StringDeserializer::<D::Error>::new(w)).map(Some)
        }
    }
}
