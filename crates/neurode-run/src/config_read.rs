//! Reading a `config.toml` (partial files override a base; version-1 files are converted)
//! and naming the settings in which two configs differ.

use neurode_train::{Schedule, Setting, TrainError};
use toml::{Table, Value};

use crate::{CONFIG_VERSION, RunConfig};

impl RunConfig {
    /// Reads a config: the keys present in `text` override `base` (so a partial file works).
    /// A file with `version = 2` has today's layout (tables `task`, `solver`, `gradient`,
    /// `optimizer`); one without a `version` key is version 1 (every setting a top-level key,
    /// as neurode wrote them before) and is converted.
    pub fn from_toml(text: &str, base: &RunConfig) -> Result<Self, TrainError> {
        let user: Table = text.parse().map_err(toml_error)?;
        match user.get("version") {
            None => RunConfig::from_flat(user, base),
            Some(Value::Integer(v)) if *v == i64::from(CONFIG_VERSION) => {
                let mut merged = base.table();
                merge(&mut merged, user, &[]);
                merged.try_into().map_err(toml_error)
            }
            Some(v) => Err(TrainError::Toml {
                message: format!(
                    "config version {v}: this neurode reads versions 1 (no version key) and {CONFIG_VERSION}"
                ),
            }),
        }
    }

    /// The settings in which `next` differs from this run, ignoring the budget, a cosine
    /// schedule's span (which follows it) and the checkpoints kept ([`RunConfig::continued_by`]).
    pub fn differences(&self, next: &RunConfig) -> Vec<Setting> {
        let comparable = |c: &RunConfig| {
            let mut c = c.clone();
            c.task.set_budget(0);
            c.keep_checkpoints = 0;
            if let Schedule::Cosine { min_lr, .. } = c.optimizer.schedule {
                c.optimizer.schedule = Schedule::Cosine { total: 0, min_lr };
            }
            let mut leaves = Vec::new();
            flatten(&Value::Table(c.table()), &mut Vec::new(), &mut leaves);
            leaves
        };
        let (a, b) = (comparable(self), comparable(next));
        let mut found: Vec<Setting> = Vec::new();
        let changed = a.iter().filter(|l| !b.contains(l));
        let added = b.iter().filter(|l| !a.iter().any(|m| m.0 == l.0));
        for (path, _) in changed.chain(added) {
            if let Some(s) = setting_at(path)
                && !found.contains(&s)
            {
                found.push(s);
            }
        }
        found
    }
}

/// A TOML error in the library's terms.
fn toml_error(e: toml::de::Error) -> TrainError {
    TrainError::Toml {
        message: e.to_string(),
    }
}

/// The tables whose `kind`/`method` key names an enum variant: switching it replaces the
/// table (a task switches to that task's defaults) instead of merging into it.
const TAGGED: [(&[&str], &str); 3] = [
    (&["task"], "kind"),
    (&["gradient"], "method"),
    (&["optimizer", "schedule"], "kind"),
];

/// Merges `user` into `base`: tables key by key, anything else replaced. A table that names
/// another variant of an enum (one key against another one key, as `{ steps = 20 }` against
/// `{ adaptive = … }`, or another `kind`/`method` tag) replaces the base's.
fn merge(base: &mut Table, user: Table, path: &[&str]) {
    for (key, value) in user {
        let here: Vec<&str> = path.iter().copied().chain([key.as_str()]).collect();
        match (base.get_mut(&key), value) {
            (Some(Value::Table(b)), Value::Table(u)) if !switches(b, &u, &here) => {
                merge(b, u, &here);
            }
            (Some(Value::Table(b)), Value::Table(u)) if here == ["task"] => {
                // Another task: its defaults, then the user's keys.
                let kind = u.get("kind").and_then(Value::as_str);
                match kind.and_then(task_named) {
                    Some(t) => {
                        *b = RunConfig::for_task(t).table()["task"]
                            .as_table()
                            .cloned()
                            .unwrap_or_default();
                        merge(b, u, &here);
                    }
                    None => *b = u,
                }
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// Whether `user` selects another variant than `base` at `path`.
fn switches(base: &Table, user: &Table, path: &[&str]) -> bool {
    if let Some((_, tag)) = TAGGED.iter().find(|(p, _)| *p == path) {
        return matches!((base.get(*tag), user.get(*tag)), (Some(a), Some(b)) if a != b);
    }
    base.len() == 1 && user.len() == 1 && base.keys().next() != user.keys().next()
}

/// The task a `kind` names.
fn task_named(name: &str) -> Option<crate::TaskKind> {
    use crate::TaskKind::*;
    [Dynamics, Classify, Density, Sequence]
        .into_iter()
        .find(|t| t.name() == name)
}

/// Every leaf of `v` with its path (arrays are leaves).
fn flatten(v: &Value, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, Value)>) {
    match v {
        Value::Table(t) => {
            for (k, v) in t {
                path.push(k.clone());
                flatten(v, path, out);
                path.pop();
            }
        }
        v => out.push((path.clone(), v.clone())),
    }
}

/// The setting a config path belongs to: the nearest key on the path that names one.
pub(crate) fn setting_at(path: &[String]) -> Option<Setting> {
    path.iter().rev().find_map(|key| match key.as_str() {
        "units" => Some(Setting::Hidden),
        "time" => Some(Setting::FlowTime),
        "checkpoints" => Some(Setting::GradientCheckpoints),
        "algorithm" | "settings" => Some(Setting::Optimizer),
        other => Setting::from_key(other),
    })
}

#[cfg(test)]
mod tests {
    use neurode_train::Setting;

    use super::*;
    use crate::{Recipe, TaskKind};

    /// Every recipe of every task.
    fn every_recipe() -> Vec<RunConfig> {
        let tasks = [
            TaskKind::Dynamics,
            TaskKind::Classify,
            TaskKind::Density,
            TaskKind::Sequence,
        ];
        let recipes = [Recipe::Neurode, Recipe::Paper];
        tasks
            .iter()
            .flat_map(|&t| recipes.iter().map(move |&r| RunConfig::recipe(t, r)))
            .collect()
    }

    #[test]
    fn every_config_path_is_a_setting_and_round_trips() {
        for c in every_recipe() {
            let mut leaves = Vec::new();
            flatten(&Value::Table(c.table()), &mut Vec::new(), &mut leaves);
            for (path, _) in leaves {
                if path == ["version"] {
                    continue;
                }
                assert!(setting_at(&path).is_some(), "{path:?} is no Setting");
            }
            assert_eq!(
                RunConfig::from_toml(&c.to_toml(), &RunConfig::dynamics()).unwrap(),
                c
            );
        }
    }

    #[test]
    fn a_changed_setting_is_named_by_its_setting() {
        let base = RunConfig::dynamics();
        let mut next = base.clone();
        next.optimizer.lr = 1e-2;
        next.task.dynamics_mut().unwrap().seq_len = 7;
        let mut got = base.differences(&next);
        got.sort();
        assert_eq!(got, [Setting::SeqLen, Setting::Lr]);
        let mut more = RunConfig::dynamics();
        more.task.set_budget(5);
        assert!(base.differences(&more).is_empty(), "the budget may change");
    }

    #[test]
    fn partial_files_switch_variants_and_keep_the_rest() {
        let base = RunConfig::paper_classify();
        let text = "version = 2\n[solver.stepping]\nsteps = 7\n[gradient]\nmethod = \"checkpoint\"\ncheckpoints = 3\n[task]\nepochs = 4\n";
        let c = RunConfig::from_toml(text, &base).unwrap();
        assert_eq!(c.solver.stepping, neurode_solvers::Stepping::Steps(7));
        assert_eq!(c.budget(), 4);
        assert_eq!(
            c.gradient,
            crate::GradientConfig::Checkpoint {
                checkpoints: Some(3)
            }
        );
        assert_eq!(c.optimizer, base.optimizer);
        let other = RunConfig::from_toml("version = 2\n[task]\nkind = \"sequence\"\n", &base);
        assert_eq!(other.unwrap().task, RunConfig::sequence().task);
        let wrong = RunConfig::from_toml("version = 3\n", &base).unwrap_err();
        assert!(wrong.to_string().contains("version 3"), "{wrong}");
    }
}
