//! `kill -9` at five points of a run — after the first, second and third checkpoint, as soon as
//! a checkpoint's model file appears (during the checkpoint write: before or just after its
//! state file commits it), and at the first evaluation — then `--resume`: the final metrics and
//! the best model's bytes equal an uninterrupted run's.

mod support;
use support::{BIN, scratch, values, wait_for};

use std::process::{Command, Stdio};

const TRAIN: [&str; 16] = [
    "train",
    "--recipe",
    "paper",
    "--gradient",
    "backprop",
    "--iters",
    "40",
    "--eval-every",
    "5",
    "--batch-size",
    "8",
    "--seq-len",
    "10",
    "--quiet",
    "--no-figures",
    "--out",
];

#[test]
fn kill_9_anywhere_then_resume_gives_the_uninterrupted_result() {
    let dir = scratch("kill", "resume");
    let whole = dir.join("whole");
    let mut args = TRAIN.to_vec();
    let w = whole.to_str().unwrap().to_string();
    args.push(&w);
    assert!(
        Command::new(BIN)
            .args(&args)
            .output()
            .unwrap()
            .status
            .success()
    );
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
        let r = run.to_str().unwrap().to_string();
        let mut args = TRAIN.to_vec();
        args.push(&r);
        let mut child = Command::new(BIN)
            .args(&args)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        if wait_for(&run.join(marker), &mut child) {
            let _ = child.kill(); // SIGKILL
            killed += 1;
        }
        let _ = child.wait();
        let resumed = Command::new(BIN)
            .args(["train", "--out", &r, "--resume", "--quiet", "--no-figures"])
            .output()
            .unwrap();
        assert!(
            resumed.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&resumed.stderr)
        );
        assert_eq!(values(&run), expected, "{name}");
        assert_eq!(std::fs::read(run.join("best.bpk")).unwrap(), best, "{name}");
    }
    // Each point was reached while the run was still going.
    assert_eq!(killed, 5);
}
