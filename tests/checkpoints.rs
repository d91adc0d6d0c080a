//! Run-folder checkpoints: the newest few are kept with a SHA-256 of their parameter file; a
//! flipped byte anywhere in the newest model file, or a truncation, is detected every time and
//! resuming falls back to the checkpoint before — to the same final result.

#[macro_use]
mod common;

use common::{fresh, quiet};
use neurode::run::{RunConfig, RunDir, TrainOptions, train};

/// Residual-64 on the spiral, 12 iterations, a checkpoint every 3.
fn config() -> RunConfig {
    RunConfig::paper_dynamics()
        .with(neurode::run::FlatSettings {
            gradient: Some(neurode::run::GradientConfig::Backprop {}),
            iters: Some(12),
            eval_every: Some(3),
            batch_size: Some(8),
            seq_len: Some(10),
            ..Default::default()
        })
        .unwrap()
}

/// The test loss of every evaluation in a run folder's `metrics.csv`.
fn losses(d: &RunDir) -> Vec<f64> {
    d.read_metrics()
        .unwrap()
        .iter()
        .map(|r| r.test_loss)
        .collect()
}

fn files(dir: &RunDir, prefix: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir.root.join("checkpoint"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with(prefix))
        .collect();
    v.sort();
    v
}

#[test]
fn damaged_checkpoints_are_detected_and_resume_falls_back() {
    let whole = fresh("whole");
    let done = train(&config(), &whole, &quiet()).unwrap();

    // Stop at 9 (checkpoints 6 and 9 kept), then damage the newest model file.
    let cut = fresh("cut");
    let mut short = config();
    short.task.set_budget(9);
    train(&short, &cut, &quiet()).unwrap();
    assert_eq!(files(&cut, "state-"), ["state-6.json", "state-9.json"]);
    assert_eq!(files(&cut, "model-"), ["model-6.bpk", "model-9.bpk"]);
    let newest = cut.checkpoint_model(9);
    let good = std::fs::read(&newest).unwrap();
    assert_eq!(
        cut.read_checkpoint()
            .unwrap()
            .unwrap()
            .checkpoint
            .state
            .step,
        9
    );
    // A flipped byte at 64 positions spread over the file, and three truncations.
    let n = good.len();
    let mut damaged: Vec<Vec<u8>> = (0..64)
        .map(|k| {
            let mut b = good.clone();
            b[k * (n - 1) / 63] ^= 0x01;
            b
        })
        .collect();
    damaged.extend([0, n / 2, n - 1].map(|len| good[..len].to_vec()));
    for (i, bytes) in damaged.iter().enumerate() {
        std::fs::write(&newest, bytes).unwrap();
        let found = cut.read_checkpoint().unwrap().unwrap();
        assert_eq!(found.checkpoint.state.step, 6, "damage {i} went unnoticed");
        assert_eq!(found.skipped.len(), 1);
        assert!(found.skipped[0].contains("damaged"), "{}", found.skipped[0]);
    }
    // Resuming from the fallback reaches the uninterrupted run's result.
    let resume = TrainOptions {
        resume: true,
        ..quiet()
    };
    let resumed = train(&config(), &cut, &resume).unwrap();
    assert_eq!(losses(&cut), losses(&whole));
    assert_eq!(
        resumed.best.as_ref().map(|b| b.test_loss),
        done.best.as_ref().map(|b| b.test_loss)
    );

    // Every checkpoint damaged: a clear error, not a load of garbage.
    for step in [9, 12] {
        let p = cut.checkpoint_model(step);
        if p.is_file() {
            std::fs::write(&p, b"garbage").unwrap();
        }
    }
    let err = cut.read_checkpoint().unwrap_err().to_string();
    assert!(err.contains("no intact checkpoint"), "{err}");
}

#[test]
fn keeps_the_configured_number_of_checkpoints() {
    let dir = fresh("keep");
    let keep3 = RunConfig {
        keep_checkpoints: 3,
        ..config()
    };
    train(&keep3, &dir, &quiet()).unwrap();
    assert_eq!(
        files(&dir, "state-"),
        ["state-12.json", "state-6.json", "state-9.json"]
    );
    assert_eq!(files(&dir, "model-").len(), 3);
    let bad = RunConfig {
        keep_checkpoints: 0,
        ..config()
    };
    let err = train(&bad, &fresh("keep0"), &quiet())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("keep_checkpoints") && err.contains("at least 1"),
        "{err}"
    );
}

#[test]
fn identical_runs_write_identical_model_files() {
    // Burn draws parameter ids at random; they were the only 48 bytes (6 tensors × 8) in which
    // two identical runs' `best.bpk` differed. Saved ids are now numbered in visiting order.
    let (a, b) = (fresh("same-a"), fresh("same-b"));
    train(&config(), &a, &quiet()).unwrap();
    train(&config(), &b, &quiet()).unwrap();
    let read = |p: std::path::PathBuf| std::fs::read(p).unwrap();
    assert_eq!(read(a.best()), read(b.best()));
    assert_eq!(read(a.checkpoint_model(12)), read(b.checkpoint_model(12)));
}

#[test]
fn a_failed_write_keeps_the_previous_checkpoint_resumable() {
    // A write that fails mid-run (a full disk, a read-only folder — here a folder squatting on
    // the next model file's path, which fails for root too) is an error naming the file; the
    // checkpoint before it stays intact, and the run resumes from it to the same result.
    let whole = fresh("whole-w");
    train(&config(), &whole, &quiet()).unwrap();
    let dir = fresh("fail");
    let mut short = config();
    short.task.set_budget(6);
    train(&short, &dir, &quiet()).unwrap();
    let obstacle = dir.checkpoint_model(9);
    std::fs::create_dir_all(obstacle.join("x")).unwrap();
    let resume = TrainOptions {
        resume: true,
        ..quiet()
    };
    let err = train(&config(), &dir, &resume).unwrap_err().to_string();
    assert!(err.contains("model-9.bpk"), "{err}");
    let intact = dir.read_checkpoint().unwrap().unwrap();
    assert_eq!(intact.checkpoint.state.step, 6);
    assert!(intact.skipped.is_empty());
    std::fs::remove_dir_all(&obstacle).unwrap();
    train(&config(), &dir, &resume).unwrap();
    assert_eq!(losses(&dir), losses(&whole));
}
