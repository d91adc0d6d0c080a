//! The classifier half of `recipes`: paper 003's Euler, RK4 and ResNet models under neurode's
//! classify recipe (`RunConfig::classify`), 10 seeds, trained on all points and on 80 % of
//! them, next to the paper's recipe (from `reproduce classify`, the same configurations) and
//! the Bayes-optimal classifier's accuracy on the same points.

use std::path::Path;

use neurode_datasets::TwoSpirals;
use neurode_run::{ClassifierArch, RunConfig, classify_data, write_csv};
use neurode_solvers::Method;
use neurode_train::TrainError;

use super::Opts;
use super::classify::protocol;
use super::report::{mean_sd, pm, table};
use super::runs::{Done, run_all, seeded};

/// The markdown section and how many seeds it used.
pub struct Section {
    /// Seeds per row.
    pub seeds: u64,
    /// The section, starting with its heading.
    pub markdown: String,
}

const MODELS: [(&str, ClassifierArch, Method); 3] = [
    ("Neural ODE (Euler)", ClassifierArch::Ode, Method::Euler),
    ("Neural ODE (RK4)", ClassifierArch::Ode, Method::Rk4),
    ("ResNet MLP", ClassifierArch::Resnet, Method::Euler),
];

const PROTOCOLS: [(&str, f64); 2] = [("all points", 0.0), ("held out", 0.2)];

fn config(opts: &Opts, model: ClassifierArch, solver: Method, test_fraction: f64) -> RunConfig {
    protocol(RunConfig::classify(), opts, model, solver, test_fraction)
}

/// The accuracy (%) a run is judged by under its protocol, and the Bayes-optimal
/// classifier's on the same points.
fn accuracy(d: &Done) -> Result<(f64, f64), TrainError> {
    let last = d.summary.last.as_ref();
    let held_out = match &d.config.task {
        neurode_run::TaskConfig::Classify(t) => t.test_fraction,
        _ => 0.0,
    };
    let acc = if held_out == 0.0 {
        last.and_then(|r| r.train_acc)
    } else {
        last.and_then(|r| r.test_acc)
    };
    let (_, test) = classify_data(&d.config)?;
    let bayes = TwoSpirals::default().bayes_accuracy(&test)?;
    Ok((100.0 * acc.unwrap_or(f64::NAN), 100.0 * bayes))
}

/// Per-seed accuracies of the paper's recipe from `reproduce classify`'s `data.csv`, if it
/// has been run: `(model, protocol) → accuracies`.
fn paper_rows(out: &Path, model: &str, protocol: &str) -> Option<Vec<f64>> {
    let text = std::fs::read_to_string(out.join("classify").join("data.csv")).ok()?;
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let wanted = if protocol == "all points" {
        "all points"
    } else {
        "80/20 split"
    };
    let acc: Vec<f64> = rd
        .records()
        .filter_map(Result::ok)
        .filter(|r| r.get(0) == Some(model) && r.get(1) == Some(wanted))
        .filter_map(|r| {
            let col = if protocol == "all points" { 3 } else { 4 };
            r.get(col)?.parse::<f64>().ok().map(|a| 100.0 * a)
        })
        .collect();
    (!acc.is_empty()).then_some(acc)
}

fn spread(acc: &[f64]) -> [String; 4] {
    let min = acc.iter().copied().fold(f64::INFINITY, f64::min);
    let max = acc.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let below = acc.iter().filter(|&&a| a < 88.0).count();
    [
        pm(acc, 1),
        format!("{min:.1}"),
        format!("{max:.1}"),
        format!("{below} of {}", acc.len()),
    ]
}

/// Trains the rows, writes `classify.csv` into `dir` and returns the report's section.
pub fn run(opts: &Opts, dir: &Path) -> Result<Section, TrainError> {
    let seeds = if opts.quick { 1 } else { 10 };
    let cls_opts = Opts {
        seeds,
        ..opts.clone()
    };
    let mut configs = Vec::new();
    for (_, model, solver) in MODELS {
        for (_, fraction) in PROTOCOLS {
            configs.extend(seeded(
                config(&cls_opts, model, solver, fraction),
                &cls_opts,
            ));
        }
    }
    let done = run_all(&configs, opts)?;
    let per = seeds as usize;
    let (mut rows, mut csv) = (Vec::new(), Vec::new());
    for (m, (name, ..)) in MODELS.iter().enumerate() {
        for (p, (protocol, _)) in PROTOCOLS.iter().enumerate() {
            let at = (m * PROTOCOLS.len() + p) * per;
            let runs = &done[at..at + per];
            let mut acc = Vec::new();
            let mut bayes = Vec::new();
            for d in runs {
                let (a, b) = accuracy(d)?;
                acc.push(a);
                bayes.push(b);
                // Shortest round-trip decimals, as `classify.csv` has always held them.
                csv.push([
                    name.to_string(),
                    protocol.to_string(),
                    d.config.seed.to_string(),
                    a.to_string(),
                    b.to_string(),
                    d.summary.train_seconds.to_string(),
                ]);
            }
            let secs: Vec<f64> = runs.iter().map(|d| d.summary.train_seconds).collect();
            let [mean, min, max, below] = spread(&acc);
            let paper = paper_rows(&opts.out, name, protocol).map_or(
                "— (run `reproduce classify`)".to_string(),
                |a| {
                    let [m, lo, hi, b] = spread(&a);
                    format!("{m} (min {lo}, max {hi}; {b} below 88)")
                },
            );
            rows.push(vec![
                name.to_string(),
                protocol.to_string(),
                mean,
                min,
                max,
                below,
                format!("{:.1}", mean_sd(&bayes).0),
                paper,
                pm(&secs, 0),
            ]);
        }
    }
    write_csv(
        &dir.join("classify.csv"),
        &[
            "model",
            "protocol",
            "seed",
            "accuracy",
            "bayes_accuracy",
            "train_seconds",
        ],
        csv,
    )?;
    let mut md = String::from(
        "## Classification (paper 003)\n\nneurode's classify recipe (`RunConfig::classify()`: the paper's Adam 0.01, cosine over 500 epochs, batch 128, with Adam's ε = 1e-3, a 25-epoch warm-up and clip 1.0 — its doc comment says why) against the paper's recipe on the same configurations. *all points*: trained on all 1,000 points, accuracy on them (what the paper's NFE count implies); *held out*: trained on 800, accuracy on the other 200. *Bayes-optimal*: the accuracy of the best possible classifier (the generator's own likelihood ratio, `TwoSpirals::bayes_accuracy`) on the same points — no model beats it on held-out points in expectation; above it on the training points is memorised noise. Accuracies in %.\n\n",
    );
    md += &table(
        &[
            "model",
            "protocol",
            "neurode: mean ± sd",
            "min",
            "max",
            "seeds below 88 %",
            "Bayes-optimal (mean)",
            "paper's recipe",
            "train time (s)",
        ],
        &rows,
    );
    md += "\nPer-seed numbers: `classify.csv` (and `data.csv` for the dynamics rows).\n";
    Ok(Section {
        seeds,
        markdown: md,
    })
}
