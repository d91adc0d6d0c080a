//! `with_*` builder methods, declared one line each: `with_seed(seed: u64);` sets `self.seed`,
//! `with_stop_below(stop_below: f64) as Some;` sets it to `Some(value)`. Written by hand
//! because Burn's `Config` derive (which generates such setters) needs serialisable fields and
//! the builders here hold devices, data and interrupt flags.

/// Declares `with_*` setters inside an `impl` block (each keeps the doc comment written above
/// it).
macro_rules! setters {
    ($( $(#[doc = $doc:literal])* $name:ident($field:ident: $ty:ty) $(as $wrap:ident)?; )*) => {$(
        $(#[doc = $doc])*
        pub fn $name(mut self, $field: $ty) -> Self {
            self.$field = $crate::setters::setters!(@wrap $field $($wrap)?);
            self
        }
    )*};
    (@wrap $v:ident) => { $v };
    (@wrap $v:ident $wrap:ident) => { $wrap($v) };
}

pub(crate) use setters;
