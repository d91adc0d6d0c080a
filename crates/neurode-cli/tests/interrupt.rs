//! Stopping and continuing runs through the binary: Ctrl-C (SIGINT) finishes the step,
//! checkpoints and exits 130, and `--resume` continues from the run's own config to the same
//! metrics as a run that was never interrupted (a second trainer on the folder meanwhile is
//! refused); resume refuses flags that would change the run.

#![cfg(unix)] // signals

mod support;
use support::{BIN, neurode, paper_train, resume, scratch, succeed, values};

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The paper's recipe for `iters` steps, evaluated (and checkpointed) every 10.
fn train(iters: &str) -> Vec<&str> {
    let mut args = paper_train(iters, "10");
    args.push("--no-figures");
    args
}

fn stopped_by(signal: &str) {
    let dir = scratch("interrupt", signal);
    let (whole, cut) = (dir.join("whole"), dir.join("cut"));
    let mut args = train("60");
    args.extend(["--quiet", "--out", whole.to_str().unwrap()]);
    succeed(&args);

    let mut args = train("60");
    args.extend(["--out", cut.to_str().unwrap()]);
    let child = Command::new(BIN)
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Interrupt once the first checkpoint (step 10) is on disk: mid-run.
    let t = Instant::now();
    while !cut.join("checkpoint").join("state-10.json").is_file() {
        assert!(t.elapsed() < Duration::from_secs(300), "no checkpoint");
        std::thread::sleep(Duration::from_millis(20));
    }
    // One writer per folder: a second trainer on it is refused while the first runs.
    let second = neurode(&resume(cut.to_str().unwrap(), &[]));
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(
        !second.status.success() && err.contains("in use by another training run"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{signal}: {err}");
    assert!(
        err.contains("--resume") && !err.contains("panicked"),
        "{err}"
    );
    let summary = std::fs::read_to_string(cut.join("summary.json")).unwrap();
    assert!(summary.contains("\"interrupted\""), "{summary}");

    // `--resume` alone: the run's own config.toml.
    succeed(&resume(cut.to_str().unwrap(), &[]));
    assert_eq!(values(&cut), values(&whole));
}

#[test]
fn ctrl_c_checkpoints_and_resume_gives_the_uninterrupted_result() {
    stopped_by("-INT");
}

#[test]
fn sigterm_is_handled_like_ctrl_c() {
    stopped_by("-TERM");
}

#[test]
fn resume_keeps_the_runs_config_and_only_extends_the_budget() {
    let dir = scratch("interrupt", "resume").join("run");
    let r = dir.to_str().unwrap();
    let mut args = train("20");
    args.extend(["--quiet", "--out", r]);
    succeed(&args);
    let refused = |extra: &[&str], needle: &str| {
        let a = resume(r, extra);
        let out = neurode(&a);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{a:?} should fail");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains(needle), "{a:?}: `{needle}` not in {err}");
    };
    refused(&["--lr", "0.1"], "--lr would change the run");
    refused(&["--seq-len", "5"], "--seq-len");
    refused(&["--iters", "10"], "below the run's budget of 20");
    refused(
        &["--recipe", "neurode"],
        "--recipe cannot be combined with --resume",
    );
    let before = std::fs::read_to_string(dir.join("metrics.csv")).unwrap();
    // Nothing was changed by the refusals; repeating the run's own value is harmless.
    // Header, steps 0, 10, 20.
    assert_eq!(before.lines().count(), 4);
    succeed(&resume(r, &["--iters", "30", "--lr", "5e-4"]));
    let after = std::fs::read_to_string(dir.join("metrics.csv")).unwrap();
    assert_eq!(after.lines().count(), 5);
    assert!(after.starts_with(&before));
}
