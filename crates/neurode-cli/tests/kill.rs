//! `kill -9` at five points of a run — after the first, second and third checkpoint, as soon as
//! a checkpoint's model file appears (during the checkpoint write: before or just after its
//! state file commits it), and at the first evaluation — then `--resume`: the final metrics and
//! the best model's bytes equal an uninterrupted run's.

mod support;
use support::{BIN, paper_train, resume, scratch, succeed, values, wait_for};

use std::process::{Command, Stdio};

/// The run every point interrupts, into `out`.
fn train(out: &str) -> Vec<&str> {
    let mut args = paper_train("40", "5");
    args.extend([
        "--batch-size",
        "8",
        "--seq-len",
        "10",
        "--quiet",
        "--no-figures",
        "--out",
        out,
    ]);
    args
}

#[test]
fn kill_9_anywhere_then_resume_gives_the_uninterrupted_result() {
    let dir = scratch("kill", "resume");
    let whole = dir.join("whole");
    succeed(&train(whole.to_str().unwrap()));
    let expected = values(&whole);
    let best = std::fs::read(whole.join("best.bpk")).unwrap();

    let points: [(&str, &str); 5] = [
        ("first-eval", "best.bpk"),
        ("checkpoint-5", "checkpoint/state-5.json"),
        ("checkpoint-10", "checkpoint/state-10.json"),
        ("checkpoint-15", "checkpoint/state-15.json"),
        ("writing-20", "checkpoint/model-20.bpk"),
    ];
    let mut killed = 0;
    for (name, marker) in points {
        let run = dir.join(name);
        let r = run.to_str().unwrap();
        let mut child = Command::new(BIN)
            .args(train(r))
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        if wait_for(&run.join(marker), &mut child) {
            let _ = child.kill(); // SIGKILL
            killed += 1;
        }
        let _ = child.wait();
        succeed(&resume(r, &["--no-figures"]));
        assert_eq!(values(&run), expected, "{name}");
        assert_eq!(std::fs::read(run.join("best.bpk")).unwrap(), best, "{name}");
    }
    // Each point was reached while the run was still going.
    assert_eq!(killed, 5);
}
