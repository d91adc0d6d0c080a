//! The `neurode` binary end to end: a tiny run of every command, and every user-error path
//! (one line on stderr, non-zero exit, no backtrace).

use std::path::Path;

mod support;
use support::{neurode, paper_train, read, scratch, succeed};

/// Fails with exactly one line on stderr containing every `needle`.
fn user_error(args: &[&str], needles: &[&str]) {
    let out = neurode(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{args:?} should fail");
    assert_eq!(
        err.trim().lines().count(),
        1,
        "{args:?}: one line expected, got:\n{err}"
    );
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
    for n in needles {
        assert!(err.contains(n), "{args:?}: `{n}` not in: {err}");
    }
}

#[test]
fn bad_flags_say_what_is_accepted() {
    user_error(&["train", "--backend", "tpu"], &["tpu", "flex"]);
    user_error(&["train", "--model", "giant"], &["giant", "residual64"]);
    user_error(
        &["train", "--task", "classify", "--model", "residual64"],
        &["model", "ode-euler"],
    );
    user_error(
        &["train", "--task", "regress"],
        &["regress", "dynamics, classify"],
    );
    user_error(&["train", "--lr", "-1"], &["lr", "> 0"]);
    user_error(&["train", "--lr", "abc"], &["abc"]);
    user_error(&["train", "--rtol", "0"], &["rtol"]);
    user_error(&["train", "--solver", "rk5"], &["rk5", "dopri5"]);
    user_error(&["train", "--solver", "rk4"], &["steps"]);
    user_error(
        &["train", "--gradient", "magic"],
        &["magic", "adjoint, backprop"],
    );
    user_error(&["train", "--controller", "pid"], &["pid", "integral, pi"]);
    user_error(
        &["train", "--schedule", "step"],
        &["step", "plateau, cosine, anneal, none"],
    );
    user_error(&["train", "--seq-len", "1"], &["seq-len", "at least 2"]);
    user_error(&["train", "--precision", "f16"], &["f16", "f32, f64"]);
    user_error(&["train", "--frobnicate"], &["--frobnicate"]);
    user_error(
        &["predict", "/nonexistent/run"],
        &["config.toml", "not found"],
    );
    user_error(&["eval", "/nonexistent/run"], &["not found"]);
    user_error(
        &["solve", "--y0", "1,2,3"],
        &["y0", "one per state dimension"],
    );
    user_error(&["solve", "--t-end", "-5"], &["t-end", "> 0"]);
}

#[test]
fn uncompiled_backend_says_how_to_get_it() {
    // Features unify across the workspace: only meaningful when this build lacks wgpu.
    if !neurode_backend::Backend::Wgpu.is_compiled() {
        user_error(&["train", "--backend", "wgpu"], &["wgpu", "feature"]);
    }
}

#[test]
fn bad_files_name_the_problem() {
    let dir = scratch("cli", "files");
    user_error(
        &["train", "--data", "/nonexistent.csv"],
        &["/nonexistent.csv", "no such file"],
    );
    let csv = dir.join("bad.csv");
    std::fs::write(&csv, "t,x,y\n0,1,2\n0.5,oops,4\n").unwrap();
    user_error(
        &[
            "train",
            "--data",
            csv.to_str().unwrap(),
            "--out",
            dir.join("r1").to_str().unwrap(),
        ],
        &["bad.csv:3", "`x`", "oops"],
    );
    let cls = dir.join("cls.csv");
    std::fs::write(&cls, "x1,x2\n0,1\n").unwrap();
    user_error(
        &[
            "train",
            "--task",
            "classify",
            "--data",
            cls.to_str().unwrap(),
            "--out",
            dir.join("r2").to_str().unwrap(),
        ],
        &["label column"],
    );
    let toml = dir.join("bad.toml");
    std::fs::write(&toml, "lr = \n").unwrap();
    user_error(&["train", "--config", toml.to_str().unwrap()], &["config"]);
    std::fs::write(&toml, "learning_rate = 0.1\n").unwrap();
    user_error(
        &["train", "--config", toml.to_str().unwrap()],
        &["learning_rate"],
    );
    user_error(
        &["train", "--config", "/nonexistent.toml"],
        &["/nonexistent.toml"],
    );
}

/// The `test_loss` column of a run's `metrics.csv`.
fn test_losses(run: &Path) -> Vec<f64> {
    let text = read(&run.join("metrics.csv"));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "test_loss").unwrap();
    lines
        .map(|l| l.split(',').nth(col).unwrap().parse().unwrap())
        .collect()
}

#[test]
fn train_eval_predict_solve_on_a_tiny_budget() {
    let dir = scratch("cli", "e2e");
    let run = dir.join("run");
    let r = run.to_str().unwrap();
    // The default recipe with backprop for `iters` steps, evaluated every 4.
    let train = |iters| {
        vec![
            "train",
            "--iters",
            iters,
            "--eval-every",
            "4",
            "--gradient",
            "backprop",
            "--out",
            r,
            "--quiet",
            "--no-figures",
        ]
    };
    let out = succeed(&train("8"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("Residual-64 — 4482 parameters (17.9 KB)"),
        "{stdout}"
    );
    // Header, the untrained model (step 0), steps 4 and 8, and step 6: the default recipe's
    // curriculum splits 8 iterations into stages of 4, 2 and 2, each ending in an evaluation.
    assert_eq!(read(&run.join("metrics.csv")).lines().count(), 5);
    let config = read(&run.join("config.toml"));
    assert!(
        config.contains("model = \"residual64\"") && config.contains("iters = 8"),
        "{config}"
    );
    // A second train into the same folder refuses instead of overwriting.
    user_error(
        &["train", "--out", r, "--quiet"],
        &["already holds a run", "--resume"],
    );
    // Resume with more iterations continues from the checkpoint.
    let mut more = train("12");
    more.push("--resume");
    succeed(&more);
    // The longer budget re-plans the stages (7, 3, 2): rows 0, 4, 6, 8 kept, then 10 and 12.
    assert_eq!(read(&run.join("metrics.csv")).lines().count(), 7);
    // --config reuses a run's settings; flags still override.
    let run2 = dir.join("run2");
    succeed(&[
        "train",
        "--config",
        run.join("config.toml").to_str().unwrap(),
        "--iters",
        "4",
        "--out",
        run2.to_str().unwrap(),
        "--quiet",
        "--no-figures",
    ]);
    assert!(read(&run2.join("config.toml")).contains("iters = 4"));

    let out = neurode(&["eval", r]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("test MSE"));

    // The best model as PyTorch weights; a run initialised from them starts from that model:
    // its step-0 test loss is the first run's best, to the last digit.
    let weights = dir.join("best.safetensors");
    let w = weights.to_str().unwrap();
    succeed(&["export", r, "--out", w]);
    let run3 = dir.join("run3");
    succeed(&[
        "train",
        "--init",
        w,
        "--iters",
        "3",
        "--gradient",
        "backprop",
        "--out",
        run3.to_str().unwrap(),
        "--quiet",
        "--no-figures",
    ]);
    let best = test_losses(&run).into_iter().fold(f64::INFINITY, f64::min);
    assert_eq!(test_losses(&run3)[0], best);
    user_error(
        &["train", "--init", "/nonexistent/w.safetensors"],
        &["/nonexistent/w.safetensors", "no such file", ".pt"],
    );
    // The default recipe has three curriculum stages: fewer iterations is a clear error.
    user_error(
        &[
            "train",
            "--iters",
            "2",
            "--out",
            dir.join("run5").to_str().unwrap(),
        ],
        &[
            "--iters/--epochs",
            "3 curriculum stages",
            "at least one step",
        ],
    );
    let garbage = dir.join("garbage.safetensors");
    std::fs::write(&garbage, b"not weights").unwrap();
    let run4 = dir.join("run4");
    user_error(
        &[
            "train",
            "--init",
            garbage.to_str().unwrap(),
            "--out",
            run4.to_str().unwrap(),
        ],
        &["garbage.safetensors"],
    );
    assert!(!run4.exists(), "nothing is written for bad weights");
    user_error(&["export", r, "--out", "w.npz"], &[".safetensors"]);
    let traj = dir.join("traj.csv");
    succeed(&[
        "predict",
        r,
        "--t-end",
        "35",
        "--points",
        "50",
        "--out",
        traj.to_str().unwrap(),
    ]);
    let text = read(&traj);
    assert_eq!(text.lines().count(), 51);
    assert!(text.starts_with("t,x1,x2\n0,2,0\n"), "{}", &text[..40]);
    let (csv, png) = (dir.join("s.csv"), dir.join("s.png"));
    succeed(&[
        "solve",
        "--t-end",
        "5",
        "--points",
        "11",
        "--out",
        csv.to_str().unwrap(),
        "--plot",
        png.to_str().unwrap(),
    ]);
    assert_eq!(read(&csv).lines().count(), 12);
    assert!(std::fs::metadata(&png).unwrap().len() > 10_000);
}

#[test]
fn early_stopping_ends_at_the_first_evaluation_at_the_target() {
    let run = scratch("cli", "stop").join("run");
    let mut args = paper_train("40", "10");
    args.extend([
        "--stop-below",
        "100",
        "--out",
        run.to_str().unwrap(),
        "--quiet",
        "--no-figures",
    ]);
    let out = succeed(&args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("stopped early at step 10"), "{stdout}");
    // Header, the untrained model, step 10.
    assert_eq!(read(&run.join("metrics.csv")).lines().count(), 3);
    assert!(read(&run.join("summary.json")).contains("\"stopped\""));
}

#[test]
fn multiple_shooting_trains_resumes_and_evaluates() {
    let run = scratch("cli", "shoot").join("run");
    let r = run.to_str().unwrap();
    let args = |iters: &'static str| {
        vec![
            "train",
            "--shooting",
            "25",
            "--continuity",
            "0.5",
            "--free-nodes",
            "--iters",
            iters,
            "--eval-every",
            "2",
            "--out",
            r,
            "--quiet",
            "--no-figures",
        ]
    };
    succeed(&args("4"));
    let config = read(&run.join("config.toml"));
    assert!(
        config.contains("segments = 25") && config.contains("free_nodes = true"),
        "{config}"
    );
    // Shooting trains on whole series: no curriculum stages, so rows 0, 2, 4.
    assert_eq!(read(&run.join("metrics.csv")).lines().count(), 4);
    let mut more = args("6");
    more.push("--resume");
    succeed(&more);
    assert_eq!(read(&run.join("metrics.csv")).lines().count(), 5);
    // The saved model holds the learned segment starts; eval reads its Neural ODE.
    let out = neurode(&["eval", r]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("test MSE"));
    // Flags of shooting need --shooting; a segment count the series cannot hold is refused.
    user_error(&["train", "--continuity", "1"], &["--shooting"]);
    user_error(
        &["train", "--shooting", "0", "--out", r, "--quiet"],
        &["shooting", "at least 1 segment"],
    );
}
