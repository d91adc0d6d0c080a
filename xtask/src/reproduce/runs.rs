//! Training runs for the items: cached by configuration, run two at a time.

use std::path::PathBuf;
use std::sync::Mutex;

use neurode_run::{FlatSettings, RunConfig, RunDir, Summary, TrainOptions, train};
use neurode_train::{MetricsRow, TrainError};

use super::Opts;

/// A finished run: its config, summary and every evaluation.
#[derive(Debug, Clone)]
pub struct Done {
    /// The config.
    pub config: RunConfig,
    /// The summary.
    pub summary: Summary,
    /// Every evaluation.
    pub rows: Vec<MetricsRow>,
    /// Its folder (holds `best.bpk`).
    pub dir: PathBuf,
}

/// FNV-1a of the config's TOML: a stable cache key.
fn key(config: &RunConfig) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in config.to_toml().bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

fn one(config: &RunConfig, opts: &Opts) -> Result<Done, TrainError> {
    let dir = opts.out.join(".cache").join(key(config));
    let run = RunDir::new(&dir);
    if let (Ok(summary), Ok(rows)) = (run.read_summary(), run.read_metrics())
        && summary.status == neurode_run::Status::Completed
        && run.read_config().ok().as_ref() == Some(config)
    {
        return Ok(Done {
            config: config.clone(),
            summary,
            rows,
            dir,
        });
    }
    let _ = std::fs::remove_dir_all(&dir);
    let t = std::time::Instant::now();
    let summary = train(
        config,
        &run,
        &TrainOptions {
            quiet: true,
            resume: false,
            figures: false,
            interrupt: None,
        },
    )?;
    eprintln!(
        "   trained {} seed {} ({} steps) in {:.0} s: test loss {:.4}",
        summary.model,
        config.seed,
        summary.steps,
        t.elapsed().as_secs_f64(),
        summary.last.as_ref().map_or(f64::NAN, |r| r.test_loss)
    );
    let rows = run.read_metrics()?;
    Ok(Done {
        config: config.clone(),
        summary,
        rows,
        dir,
    })
}

/// Runs every config (cached ones are read back), two at a time, in order of the input.
pub fn run_all(configs: &[RunConfig], opts: &Opts) -> Result<Vec<Done>, TrainError> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(configs.len().max(1));
    let next = Mutex::new(0usize);
    let results: Mutex<Vec<Option<Result<Done, TrainError>>>> =
        Mutex::new((0..configs.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = {
                        let mut n = next.lock().unwrap();
                        let i = *n;
                        *n += 1;
                        i
                    };
                    if i >= configs.len() {
                        break;
                    }
                    let r = one(&configs[i], opts);
                    results.lock().unwrap()[i] = Some(r);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|r| r.expect("every job ran"))
        .collect()
}

/// Every config for seeds `0..opts.seeds` (see [`run_all`]): the runs of each config, in the
/// order of `configs`.
pub fn run_seeded(configs: &[RunConfig], opts: &Opts) -> Result<Vec<Vec<Done>>, TrainError> {
    let all: Vec<RunConfig> = configs
        .iter()
        .flat_map(|c| seeded(c.clone(), opts))
        .collect();
    let mut done = run_all(&all, opts)?.into_iter();
    let per = opts.seeds as usize;
    Ok(configs
        .iter()
        .map(|_| done.by_ref().take(per).collect())
        .collect())
}

/// `data.csv` rows, one per evaluation of each run: `lead`, the run's seed, the step, the test
/// loss, then `more` of the evaluation.
pub fn eval_rows(
    lead: &[&str],
    runs: &[Done],
    more: impl Fn(&MetricsRow) -> Vec<String>,
) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for d in runs {
        for r in &d.rows {
            let mut row: Vec<String> = lead.iter().map(|s| s.to_string()).collect();
            row.extend([
                d.config.seed.to_string(),
                r.step.to_string(),
                r.test_loss.to_string(),
            ]);
            row.extend(more(r));
            rows.push(row);
        }
    }
    rows
}

/// The same config for seeds `0..opts.seeds`.
pub fn seeded(config: RunConfig, opts: &Opts) -> Vec<RunConfig> {
    (0..opts.seeds)
        .map(|seed| {
            config
                .clone()
                .with(FlatSettings {
                    seed: Some(seed),
                    backend: Some(opts.backend),
                    ..Default::default()
                })
                .expect("valid settings")
        })
        .collect()
}
