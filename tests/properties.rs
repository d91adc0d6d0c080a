//! Property tests (proptest) of everything that reads users' input: the CSV loaders and the
//! TOML config merge never panic on arbitrary bytes, strings or numbers — they load or give a
//! typed error — and valid files round-trip exactly; and (`entry_points`) the solver core's
//! entry points never panic, abort or run away on random shapes, options and gradient methods.

mod common;
mod entry_points;

use common::temp_path;
use neurode::datasets::{Series, load_labeled, load_series};
use neurode::run::{FlatSettings, RunConfig, TaskKind};
use proptest::prelude::*;

/// A fresh file for one proptest case (cases run one after another on this test's thread).
fn file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = temp_path(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// CSV-ish text: headers from a small vocabulary and cells that are numbers, specials or junk.
fn csvish() -> impl Strategy<Value = String> {
    let header = prop::collection::vec(
        prop::sample::select(vec!["t", "time", "id", "x", "y", "label", "class", "", "t"]),
        0..5,
    );
    let cell = prop_oneof![
        any::<f64>().prop_map(|v| v.to_string()),
        any::<i64>().prop_map(|v| v.to_string()),
        any::<u64>().prop_map(|v| v.to_string()),
        prop::sample::select(vec![
            "nan", "inf", "-inf", "", "1e999", "-0", "a", "\"1\"", "0x1"
        ])
        .prop_map(str::to_string),
    ];
    let row = prop::collection::vec(cell, 0..5);
    (header, prop::collection::vec(row, 0..8)).prop_map(|(h, rows)| {
        let mut s = h.join(",");
        for r in rows {
            s.push('\n');
            s.push_str(&r.join(","));
        }
        s
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn csv_loaders_never_panic_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let p = file("bytes.csv", &bytes);
        let _ = load_series(&p, 2);
        let _ = load_labeled(&p, 2);
    }

    #[test]
    fn csv_loaders_never_panic_on_csvish_text(text in csvish()) {
        let p = file("text.csv", text.as_bytes());
        if let Ok(series) = load_series(&p, 2) {
            for s in series {
                prop_assert!(s.len() >= 2 && s.values.iter().all(|v| v.is_finite()));
                prop_assert!(s.ts.windows(2).all(|w| w[1] > w[0]));
            }
        }
        if let Ok(points) = load_labeled(&p, 2) {
            prop_assert!(points.classes() >= 2 && points.classes() <= neurode::datasets::MAX_CLASSES);
            prop_assert!(points.x.iter().all(|v| v.is_finite()));
        }
    }

    #[test]
    fn valid_series_round_trip(
        values in prop::collection::vec(-1e6f64..1e6, 6..60),
        dt in 1e-3f64..10.0,
    ) {
        let n = values.len() / 2;
        let mut text = String::from("t,x,y\n");
        for i in 0..n {
            text += &format!("{},{},{}\n", i as f64 * dt, values[2 * i], values[2 * i + 1]);
        }
        let loaded = load_series(&file("valid.csv", text.as_bytes()), 2).unwrap();
        let ts: Vec<f64> = (0..n).map(|i| i as f64 * dt).collect();
        prop_assert_eq!(loaded, vec![Series { ts, values: values[..2 * n].to_vec(), dim: 2 }]);
    }

    #[test]
    fn config_merge_never_panics(text in "\\PC{0,200}") {
        let base = RunConfig::for_task(TaskKind::Dynamics);
        if let Ok(c) = RunConfig::from_toml(&text, &base) {
            let _ = c.validate();
        }
    }

    #[test]
    fn config_merge_of_key_values_never_panics(
        key in prop::sample::select(vec![
            "lr", "iters", "epochs", "batch_size", "seq_len", "rtol", "steps", "clip",
            "schedule", "curriculum", "task", "model", "test_fraction", "keep_checkpoints",
            "shooting", "optimizer", "warmup", "stop_below", "seed",
        ]),
        value in prop_oneof![
            any::<i64>().prop_map(|v| v.to_string()),
            any::<f64>().prop_map(|v| format!("{v:?}")),
            Just("nan".to_string()),
            Just("-inf".to_string()),
            Just("\"none\"".to_string()),
            Just("[]".to_string()),
            Just("{ segments = 0, continuity = -1.0, free_nodes = true }".to_string()),
            "\"[a-z]{0,8}\"",
        ],
    ) {
        let base = RunConfig::for_task(TaskKind::Classify);
        if let Ok(c) = RunConfig::from_toml(&format!("{key} = {value}\n"), &base)
            && c.validate().is_ok()
        {
            prop_assert!(c.budget() > 0 && c.optimizer.lr.is_finite() && c.optimizer.lr > 0.0);
        }
    }

    #[test]
    fn counts_beyond_toml_are_refused(seed in (i64::MAX as u64 + 1)..=u64::MAX) {
        let c = RunConfig { seed, ..RunConfig::for_task(TaskKind::Dynamics) };
        prop_assert!(c.validate().unwrap_err().to_string().contains("seed"));
    }

    #[test]
    fn valid_configs_round_trip(
        lr in 1e-6f64..1.0,
        iters in 1u64..100_000,
        seed in 0..=i64::MAX as u64,
        batch in 1usize..512,
        classify in any::<bool>(),
    ) {
        let task = if classify { TaskKind::Classify } else { TaskKind::Dynamics };
        let budget = if classify { (None, Some(iters)) } else { (Some(iters), None) };
        let c = RunConfig::for_task(task).with(FlatSettings {
            lr: Some(lr),
            iters: budget.0,
            epochs: budget.1,
            seed: Some(seed),
            batch_size: Some(batch),
            ..Default::default()
        }).unwrap();
        let back = RunConfig::from_toml(&c.to_toml(), &RunConfig::paper_dynamics()).unwrap();
        prop_assert_eq!(back, c);
    }
}
