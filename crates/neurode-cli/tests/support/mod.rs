//! What every test of the `neurode` binary needs: running it, a scratch folder, a run's
//! metrics without their timings, waiting for a file a running child writes.
#![allow(dead_code)] // each test file uses its own part

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_neurode");

/// Runs `neurode args` to completion (with backtraces on, so a panic would show in stderr).
pub fn neurode<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("the binary runs")
}

/// Runs `neurode args` and asserts it succeeds (showing its stderr when it does not).
pub fn succeed<S: AsRef<std::ffi::OsStr> + std::fmt::Debug>(args: &[S]) -> Output {
    let out = neurode(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `train --recipe paper --gradient backprop --iters <iters> --eval-every <eval_every>`: the
/// paper's recipe with plain backpropagation, which the run tests train for a few steps.
pub fn paper_train<'a>(iters: &'a str, eval_every: &'a str) -> Vec<&'a str> {
    vec![
        "train",
        "--recipe",
        "paper",
        "--gradient",
        "backprop",
        "--iters",
        iters,
        "--eval-every",
        eval_every,
    ]
}

/// `train --out <run> --resume --quiet <extra>`: continues the run in `run`.
pub fn resume<'a>(run: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["train", "--out", run, "--resume", "--quiet"];
    args.extend(extra);
    args
}

/// A fresh, empty folder for one test (`<tmp>/neurode-<suite>-<pid>-<name>`).
pub fn scratch(suite: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("neurode-{suite}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A text file's contents.
pub fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

/// The value columns of a run's `metrics.csv` (step … window; not the timings, which differ
/// between two runs of the same training).
pub fn values(run: &Path) -> Vec<String> {
    read(&run.join("metrics.csv"))
        .lines()
        .map(|l| l.split(',').take(11).collect::<Vec<_>>().join(","))
        .collect()
}

/// Waits until `what` exists; `false` when `child` ended first or five minutes passed.
pub fn wait_for(what: &Path, child: &mut Child) -> bool {
    let t = Instant::now();
    while !what.exists() {
        if child.try_wait().unwrap().is_some() || t.elapsed() > Duration::from_secs(300) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    true
}
