//! `cargo xtask reproduce <item|all>`: every table and figure of both papers, with the
//! paper's number, ours (mean ± sd over seeds) and the difference, under `results/<item>/`.
//!
//! Items: `fig1`, `table1`, `table2`, `extrapolation`, `convergence` (paper 000);
//! `classify`, `memory` (paper 003); `all`. Flags: `--seeds N` (default 3), `--quick` (tiny
//! budgets, one seed: a smoke test of every item), `--backend flex|ndarray|wgpu`,
//! `--gradient backprop|adjoint` (default backprop: exact gradients of the discretised solve,
//! ~10× faster than the adjoint on these small problems), `--out DIR` (default `results`).
//! Training runs are cached under `<out>/.cache/<hash of the run config>/`, so items that
//! share a run (Table 2's full model, the extrapolation and convergence figures) train it once.

mod classify;
mod convergence;
mod extrapolation;
mod fig1;
pub mod memory;
mod report;
mod runs;
mod spiral;
mod table1;
mod table2;

use std::path::PathBuf;

use neurode_backend::Backend;
use neurode_train::GradientKind;

/// Options shared by every item.
#[derive(Debug, Clone)]
pub struct Opts {
    /// Seeds per configuration.
    pub seeds: u64,
    /// Tiny budgets.
    pub quick: bool,
    /// Backend of every run.
    pub backend: Backend,
    /// Gradient method of the dynamics runs.
    pub gradient: GradientKind,
    /// Output folder.
    pub out: PathBuf,
}

impl Opts {
    /// `full` iterations/epochs, or a tiny number in quick mode.
    pub fn budget(&self, full: u64, quick: u64) -> u64 {
        if self.quick { quick } else { full }
    }
}

const ITEMS: [&str; 7] = [
    "fig1",
    "table1",
    "table2",
    "extrapolation",
    "convergence",
    "classify",
    "memory",
];

/// Parses the arguments and runs the items.
pub fn main(args: &[String]) -> Result<(), String> {
    let mut item = None;
    let mut opts = Opts {
        seeds: 3,
        quick: false,
        backend: Backend::Flex,
        gradient: GradientKind::Backprop,
        out: PathBuf::from("results"),
    };
    let mut seeds_given = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match a.as_str() {
            "--seeds" => {
                let v = value("--seeds")?;
                opts.seeds = v
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or(format!("--seeds {v}: expected a number ≥ 1"))?;
                seeds_given = true;
            }
            "--quick" => opts.quick = true,
            "--backend" => {
                opts.backend = value("--backend")?.parse().map_err(|e| format!("{e}"))?
            }
            "--gradient" => {
                opts.gradient = match value("--gradient")?.as_str() {
                    "backprop" => GradientKind::Backprop,
                    "adjoint" => GradientKind::Adjoint,
                    other => {
                        return Err(format!("--gradient {other}: expected backprop or adjoint"));
                    }
                }
            }
            "--out" => opts.out = PathBuf::from(value("--out")?),
            name if !name.starts_with('-') && item.is_none() => item = Some(name.to_string()),
            other => {
                return Err(format!(
                    "unknown argument `{other}`; items: {}, all",
                    ITEMS.join(", ")
                ));
            }
        }
    }
    if opts.quick && !seeds_given {
        opts.seeds = 1;
    }
    let item = item.unwrap_or_else(|| "all".into());
    let chosen: Vec<&str> = match item.as_str() {
        "all" => ITEMS.to_vec(),
        one if ITEMS.contains(&one) => vec![ITEMS[ITEMS.iter().position(|i| *i == one).unwrap()]],
        other => {
            return Err(format!(
                "unknown item `{other}`: expected one of {}, all",
                ITEMS.join(", ")
            ));
        }
    };
    let started = std::time::Instant::now();
    for name in &chosen {
        let t = std::time::Instant::now();
        eprintln!("== {name}");
        match *name {
            "fig1" => fig1::run(&opts),
            "table1" => table1::table1(&opts),
            "table2" => table2::table2(&opts),
            "extrapolation" => extrapolation::extrapolation(&opts),
            "convergence" => convergence::convergence(&opts),
            "classify" => classify::run(&opts),
            "memory" => memory::run(&opts),
            _ => unreachable!("items are checked above"),
        }
        .map_err(|e| format!("{name}: {e}"))?;
        eprintln!("== {name} done in {:.0} s", t.elapsed().as_secs_f64());
    }
    report::index(&opts, started.elapsed().as_secs_f64()).map_err(|e| e.to_string())?;
    Ok(())
}
