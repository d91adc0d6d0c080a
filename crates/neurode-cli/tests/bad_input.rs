//! A corpus of bad input through the real binary — flags, TOML, CSV for both tasks, run
//! folders, `predict`/`eval`/`solve`/`export` arguments; NaN, infinite, huge, negative and
//! overflowing numbers, empty files, binary garbage, wrong encodings, duplicate headers, 1-row
//! and 1-column files, repeated times. Every case must exit non-zero with exactly one line on
//! stderr naming the problem, no panic or backtrace, and leave an existing run folder exactly
//! as it was.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod support;
use support::{neurode, paper_train, succeed};

/// A file every case can name: `{dir}/<name>`.
struct Files {
    dir: PathBuf,
}

impl Files {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("neurode-bad-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self { dir }
    }

    fn put(&self, name: &str, bytes: &[u8]) -> String {
        let p = self.dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p.to_str().unwrap().to_string()
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).to_str().unwrap().to_string()
    }
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.clone(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// `args` must fail with one stderr line containing every needle (case-insensitive).
fn refused(args: &[String], needles: &[&str]) -> Result<(), String> {
    let out = neurode(args);
    let err = String::from_utf8_lossy(&out.stderr);
    let lower = err.to_lowercase();
    let problem = if out.status.success() {
        Some("exited 0".to_string())
    } else if out.status.code() == Some(101) || lower.contains("panicked") {
        Some("panicked".to_string())
    } else if lower.contains("backtrace") {
        Some("printed a backtrace".to_string())
    } else if err.trim().lines().count() != 1 {
        Some(format!("{} stderr lines", err.trim().lines().count()))
    } else if err.matches("[possible values").count() > 1 {
        Some("accepted values listed twice".to_string())
    } else {
        needles
            .iter()
            .find(|n| !lower.contains(&n.to_lowercase()))
            .map(|n| format!("`{n}` not named"))
    };
    match problem {
        None => Ok(()),
        Some(p) => Err(format!("{args:?}: {p}: {}", err.trim())),
    }
}

#[test]
fn every_bad_input_is_one_clear_line_and_changes_nothing() {
    let f = Files::new();
    // An existing, finished run folder (every case must leave it untouched).
    let run = f.path("run");
    let mut train_args = paper_train("2", "1");
    train_args.extend(["--quiet", "--no-figures", "--out", &run]);
    succeed(&train_args);
    let before = snapshot(Path::new(&run));

    let garbage: Vec<u8> = (0..=255u8).cycle().take(700).collect();
    let latin1 = b"t,x\xe9\n0,1\n1,2\n".to_vec();
    let dyn_csv = |name: &str, body: &str| f.put(name, body.as_bytes());
    let cases: Vec<(Vec<String>, Vec<&str>)> = {
        let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
        let train = |extra: &[&str]| {
            let mut v = s(&["train", "--quiet", "--no-figures"]);
            v.extend(s(extra));
            v
        };
        let data = |path: String| train(&["--data", &path]);
        let cls = |path: String| train(&["--task", "classify", "--data", &path]);
        let config = |path: String| train(&["--config", &path]);
        vec![
            // Numbers in flags.
            (train(&["--lr", "nan"]), vec!["--lr"]),
            (train(&["--lr", "inf"]), vec!["--lr"]),
            (train(&["--lr", "-1"]), vec!["--lr"]),
            (train(&["--lr", "0"]), vec!["--lr"]),
            (train(&["--lr", "1e400"]), vec!["--lr"]),
            (train(&["--iters", "0"]), vec!["--iters"]),
            (train(&["--iters", "-5"]), vec!["--iters"]),
            (train(&["--iters", "99999999999999999999999"]), vec!["--iters"]),
            (train(&["--task", "classify", "--epochs", "0"]), vec!["--epochs"]),
            (train(&["--batch-size", "0"]), vec!["--batch-size"]),
            (train(&["--seq-len", "1"]), vec!["--seq-len"]),
            (train(&["--seq-len", "100000"]), vec!["seq"]),
            (train(&["--rtol", "0"]), vec!["tol"]),
            (train(&["--atol", "-1"]), vec!["tol"]),
            (train(&["--solver", "rk4", "--steps", "0"]), vec!["--steps"]),
            (train(&["--clip", "-1"]), vec!["--clip"]),
            (train(&["--clip", "nan"]), vec!["--clip"]),
            (train(&["--weight-decay", "-1"]), vec!["--weight-decay"]),
            (train(&["--eps", "0"]), vec!["--eps"]),
            (train(&["--beta1", "1.5"]), vec!["--beta1"]),
            (train(&["--beta2", "-0.1"]), vec!["--beta2"]),
            (train(&["--eval-every", "0"]), vec!["--eval-every"]),
            (train(&["--task", "classify", "--test-fraction", "1"]), vec!["--test-fraction"]),
            (train(&["--task", "classify", "--test-fraction", "nan"]), vec!["--test-fraction"]),
            (train(&["--model", "dense", "--hidden", "0"]), vec!["--hidden"]),
            (train(&["--model", "dense", "--layers", "1"]), vec!["--layers"]),
            (train(&["--seed", "-1"]), vec!["--seed"]),
            (train(&["--seed", "18446744073709551615"]), vec!["--seed", "9223372036854775807"]),
            (train(&["--model", "dense", "--hidden", "10000000000"]), vec!["--hidden", "65536"]),
            (train(&["--augment", "99999999999"]), vec!["--augment"]),
            (train(&["--batch-size", "4000000000"]), vec!["--batch-size"]),
            (train(&["--stop-below", "nan"]), vec!["--stop-below"]),
            (train(&["--time-weighted", "-1"]), vec!["--time-weighted"]),
            (train(&["--shooting", "0"]), vec!["--shooting"]),
            (train(&["--shooting", "5000"]), vec!["segments"]),
            (train(&["--shooting", "5", "--continuity", "-1"]), vec!["continuity"]),
            (train(&["--keep-checkpoints", "0"]), vec!["--keep-checkpoints"]),
            (
                train(&["--gradient", "checkpoint", "--gradient-checkpoints", "0"]),
                vec!["--gradient-checkpoints", "at least 1"],
            ),
            (
                train(&["--gradient-checkpoints", "8"]),
                vec!["--gradient-checkpoints", "checkpointed gradients"],
            ),
            (train(&["--warmup", "-3"]), vec!["--warmup"]),
            // Names.
            (train(&["--task", "regress"]), vec!["--task", "dynamics"]),
            (train(&["--model", "ode-euler"]), vec!["--model"]),
            (train(&["--backend", "cuda"]), vec!["--backend", "flex"]),
            (train(&["--precision", "f16"]), vec!["--precision", "f32"]),
            (train(&["--solver", "rk45"]), vec!["--solver", "dopri5"]),
            (train(&["--gradient", "revolve"]), vec!["--gradient", "checkpoint"]),
            (train(&["--schedule", "step"]), vec!["--schedule", "plateau"]),
            (train(&["--optimizer", "sgd"]), vec!["--optimizer", "adam"]),
            (train(&["--no-such-flag"]), vec!["--no-such-flag"]),
            // Config files.
            (config(f.put("garbage.toml", &garbage)), vec!["garbage.toml"]),
            (config(f.put("str.toml", b"lr = \"fast\"\n")), vec!["lr"]),
            (config(f.put("neg.toml", b"iters = -1\n")), vec!["iters"]),
            (config(f.put("dup.toml", b"lr = 0.1\nlr = 0.2\n")), vec!["lr"]),
            (config(f.put("nan.toml", b"lr = nan\n")), vec!["lr"]),
            (config(f.put("big.toml", b"epochs = 1e999\n")), vec!["epochs"]),
            (config(f.put("stage.toml", b"[[curriculum]]\nshare = -1.0\nlr_scale = 1.0\nhorizon = { kind = \"full\" }\n")), vec!["curriculum"]),
            (config(f.path("missing.toml")), vec!["missing.toml"]),
            // Trajectory CSV files.
            (data(dyn_csv("empty.csv", "")), vec!["empty.csv"]),
            (data(dyn_csv("header.csv", "t,x,y\n")), vec!["header.csv"]),
            (data(dyn_csv("onerow.csv", "t,x,y\n0,1,2\n")), vec!["onerow.csv"]),
            (data(dyn_csv("onecol.csv", "t\n0\n1\n2\n")), vec!["onecol.csv"]),
            (data(dyn_csv("text.csv", "t,x\n0,1\n1,abc\n")), vec!["abc"]),
            (data(dyn_csv("nan.csv", "t,x\n0,1\n1,NaN\n2,3\n")), vec!["nan"]),
            (data(dyn_csv("inf.csv", "t,x\n0,1\n1,inf\n2,3\n")), vec!["inf"]),
            (data(dyn_csv("repeat.csv", "t,x\n0,1\n1,2\n1,3\n2,4\n")), vec!["repeat.csv"]),
            (data(dyn_csv("backwards.csv", "t,x\n0,1\n2,2\n1,3\n")), vec!["backwards.csv"]),
            (data(f.put("garbage.csv", &garbage)), vec!["garbage.csv"]),
            (data(f.put("latin1.csv", &latin1)), vec!["latin1.csv"]),
            (data(dyn_csv("duphead.csv", "t,x,x\n0,1,2\n1,2,3\n2,3,4\n")), vec!["x"]),
            (data(dyn_csv("notime.csv", "a,b\n0,1\n1,2\n")), vec!["t"]),
            (data(dyn_csv("ragged.csv", "t,x\n0,1\n1,2,3\n")), vec!["ragged.csv"]),
            (data(f.path("nope.csv")), vec!["nope.csv"]),
            // Classification CSV files.
            (cls(dyn_csv("huge.csv", "x,label\n0,0\n1,18446744073709551615\n")), vec!["18446744073709551615"]),
            (cls(dyn_csv("big.csv", "x,label\n0,0\n1,2000000000\n")), vec!["2000000000"]),
            (cls(dyn_csv("neg.csv", "x,label\n0,0\n1,-1\n")), vec!["-1"]),
            (cls(dyn_csv("frac.csv", "x,label\n0,0\n1,1.5\n")), vec!["1.5"]),
            (cls(dyn_csv("nolabel.csv", "x,y\n0,0\n1,1\n")), vec!["label"]),
            (cls(dyn_csv("oneclass.csv", "x,label\n0,1\n1,1\n")), vec!["two classes"]),
            (cls(dyn_csv("gap.csv", "x,label\n0,0\n1,2\n")), vec!["class 1"]),
            (cls(dyn_csv("clsempty.csv", "")), vec!["clsempty.csv"]),
            (cls(dyn_csv("cls1row.csv", "x,label\n0,0\n")), vec!["cls1row.csv"]),
            (cls(dyn_csv("clsnan.csv", "x,label\nnan,0\n1,1\n")), vec!["nan"]),
            (cls(dyn_csv("dupl.csv", "label,x,label\n0,1,0\n1,2,1\n")), vec!["label"]),
            (cls(f.put("clsgarbage.csv", &garbage)), vec!["clsgarbage.csv"]),
            // Run folders and the other commands.
            (train(&["--out", &run]), vec!["already holds a run"]),
            (train(&["--out", &run, "--resume", "--lr", "1"]), vec!["--lr"]),
            (train(&["--out", &run, "--resume", "--iters", "1"]), vec!["--iters"]),
            (train(&["--out", &f.path("fresh"), "--resume"]), vec!["no run to continue"]),
            (train(&["--trace", "gaussian"]), vec!["--task density"]),
            (train(&["--task", "density", "--model", "ltc"]), vec!["--model", "cnf"]),
            (train(&["--task", "density", "--dataset", "swissroll"]), vec!["--dataset", "8gaussians"]),
            (train(&["--task", "density", "--flow-time", "0"]), vec!["--flow-time"]),
            (train(&["--task", "density", "--rnode", "-1"]), vec!["--rnode"]),
            (train(&["--task", "density", "--batch-size", "7"]), vec!["--batch-size", "even"]),
            (train(&["--task", "density", "--test-points", "1"]), vec!["--test-points"]),
            (train(&["--task", "sequence", "--model", "cnf"]), vec!["--model", "ltc"]),
            (s(&["eval", &f.path("nowhere")]), vec!["nowhere"]),
            (s(&["eval", &f.path("garbage.csv")]), vec!["garbage.csv"]),
            (s(&["predict", &run, "--t-end", "nan", "--out", &f.path("p.csv")]), vec!["--t-end"]),
            (s(&["predict", &run, "--t-end", "-5", "--out", &f.path("p.csv")]), vec!["--t-end"]),
            (s(&["predict", &run, "--points", "0", "--out", &f.path("p.csv")]), vec!["--points"]),
            (s(&["predict", &run, "--y0", "a,b", "--out", &f.path("p.csv")]), vec!["--y0"]),
            (s(&["predict", &run, "--y0", "1,2,3", "--out", &f.path("p.csv")]), vec!["--y0"]),
            (s(&["solve", "--t-end", "inf"]), vec!["--t-end"]),
            (s(&["solve", "--points", "1"]), vec!["--points"]),
            (s(&["solve", "--y0", "1"]), vec!["--y0"]),
            (s(&["solve", "--rtol", "0"]), vec!["tol"]),
            (s(&["export", &run, "--out", &f.path("weights.txt")]), vec!["weights.txt"]),
            (s(&["export", &f.path("nowhere"), "--out", &f.path("w.safetensors")]), vec!["nowhere"]),
        ]
    };
    assert!(cases.len() >= 60, "{} cases", cases.len());
    // Cases without --out would train into ./runs/run-NNN: a refused run leaves none behind.
    let run_folders = || -> Vec<std::path::PathBuf> {
        std::fs::read_dir("runs")
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default()
    };
    let folders_before = run_folders();
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(args, needles)| refused(args, needles).err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    assert!(
        snapshot(Path::new(&run)) == before,
        "the existing run folder changed"
    );
    assert_eq!(
        run_folders(),
        folders_before,
        "a refused run left a run folder"
    );
    eprintln!("{} bad inputs refused cleanly", cases.len());
}
