//! `cargo xtask reproduce <item|all>`: every table and figure of both papers, with the
//! paper's number, ours (mean ± sd over seeds) and the difference, under `results/<item>/`.
//!
//! Items: `fig1`, `table1`, `table2`, `extrapolation`, `convergence` (paper 000);
//! `classify`, `memory`, `flows`, `liquid` (paper 003); `recipes` (which training settings fit, both papers);
//! `all`. Flags: `--seeds N` (default 3), `--quick` (tiny
//! budgets, one seed: a smoke test of every item), `--backend flex|ndarray|wgpu`,
//! `--gradient backprop|adjoint` (default backprop: exact gradients of the discretised solve,
//! ~10× faster than the adjoint on these small problems), `--out DIR` (default `results`).
//! Training runs are cached under `<out>/.cache/<hash of the run config>/`, so items that
//! share a run (Table 2's full model, the extrapolation and convergence figures) train it once.

mod classify;
mod convergence;
mod extrapolation;
mod fig1;
mod flows;
mod liquid;
pub mod memory;
mod recipes;
mod recipes_classify;
mod report;
mod runs;
mod spiral;
mod table1;
mod table2;

use std::path::PathBuf;

use neurode_backend::Backend;
use neurode_run::GradientConfig;

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
    pub gradient: GradientConfig,
    /// Output folder.
    pub out: PathBuf,
}

impl Opts {
    /// `full` iterations/epochs, or a tiny number in quick mode.
    pub fn budget(&self, full: u64, quick: u64) -> u64 {
        if self.quick { quick } else { full }
    }
}

/// A table or figure of the papers (or all of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Item {
    /// Paper 000 Figure 1: the spiral and the models' first predictions.
    Fig1,
    /// Paper 000 Table 1 (and Figures 2, 8): every architecture.
    Table1,
    /// Paper 000 Table 2 (and Figure 7): the ablation.
    Table2,
    /// Paper 000 Figures 3–5: extrapolation.
    Extrapolation,
    /// Paper 000 Figure 6: convergence.
    Convergence,
    /// Paper 003: the classification table, boundaries, trajectories.
    Classify,
    /// Paper 003: memory of a training step.
    Memory,
    /// Both papers: the paper's, torchdiffeq's and neurode's recipes side by side.
    Recipes,
    /// Paper 003: continuous normalizing flows (FFJORD) on 2-D toys, with and without RNODE.
    Flows,
    /// Paper 003: liquid time-constant networks against a same-size Neural ODE with inputs.
    Liquid,
    /// Every item.
    All,
}

impl Item {
    /// Every item, in report order.
    pub const EACH: [Item; 10] = [
        Item::Fig1,
        Item::Table1,
        Item::Table2,
        Item::Extrapolation,
        Item::Convergence,
        Item::Classify,
        Item::Memory,
        Item::Recipes,
        Item::Flows,
        Item::Liquid,
    ];

    /// The item's folder under the output folder.
    pub fn name(self) -> &'static str {
        match self {
            Item::Fig1 => "fig1",
            Item::Table1 => "table1",
            Item::Table2 => "table2",
            Item::Extrapolation => "extrapolation",
            Item::Convergence => "convergence",
            Item::Classify => "classify",
            Item::Memory => "memory",
            Item::Recipes => "recipes",
            Item::Flows => "flows",
            Item::Liquid => "liquid",
            Item::All => "all",
        }
    }
}

/// `cargo xtask reproduce`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to regenerate.
    #[arg(default_value = "all")]
    item: Item,
    /// Seeds per configuration (default 3; 1 with --quick).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    seeds: Option<u64>,
    /// Tiny budgets: a smoke test of every item.
    #[arg(long)]
    quick: bool,
    /// Backend of every run.
    #[arg(long, default_value = "flex")]
    backend: Backend,
    /// Gradient method of the dynamics runs.
    #[arg(long, default_value = "backprop")]
    gradient: GradientConfig,
    /// Output folder.
    #[arg(long, default_value = "results")]
    out: PathBuf,
}

/// Runs the chosen items.
pub fn main(args: &Args) -> anyhow::Result<()> {
    let opts = Opts {
        seeds: args.seeds.unwrap_or(if args.quick { 1 } else { 3 }),
        quick: args.quick,
        backend: args.backend,
        gradient: args.gradient,
        out: args.out.clone(),
    };
    let chosen = match args.item {
        Item::All => Item::EACH.to_vec(),
        one => vec![one],
    };
    let started = std::time::Instant::now();
    for item in chosen {
        let t = std::time::Instant::now();
        let name = item.name();
        eprintln!("== {name}");
        let done = match item {
            Item::Fig1 => fig1::run(&opts),
            Item::Table1 => table1::table1(&opts),
            Item::Table2 => table2::table2(&opts),
            Item::Extrapolation => extrapolation::extrapolation(&opts),
            Item::Convergence => convergence::convergence(&opts),
            Item::Classify => classify::run(&opts),
            Item::Memory => memory::run(&opts),
            Item::Recipes => recipes::run(&opts),
            Item::Flows => flows::run(&opts),
            Item::Liquid => liquid::run(&opts),
            Item::All => unreachable!("expanded above"),
        };
        done.map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
        eprintln!("== {name} done in {:.0} s", t.elapsed().as_secs_f64());
    }
    report::index(&opts, started.elapsed().as_secs_f64())?;
    Ok(())
}
