//! Raw command-line arguments (clap). Turned into a validated `RunConfig` by `spec`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use neurode_backend::{Backend, Precision};
use neurode_datasets::Toy2d;
use std::sync::LazyLock;

use neurode_run::{AnyArch, ControllerKind, GradientConfig, Recipe, TaskKind};
use neurode_solvers::Method;
use neurode_train::{Algorithm, TraceKind};

/// Neural ODEs on CPU or GPU: train the papers' models, evaluate and run them.
#[derive(Debug, Parser)]
#[command(name = "neurode", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train a model (default: paper 000's Residual-64 on the cubic spiral, its settings).
    #[command(allow_negative_numbers = true)]
    Train(Box<TrainArgs>),
    /// Re-evaluate the best checkpoint of a run folder and print its metrics.
    Eval {
        /// A folder written by `neurode train`.
        run: PathBuf,
    },
    /// Predict a trajectory with a trained dynamics model and write it as CSV.
    #[command(allow_negative_numbers = true)]
    Predict {
        /// A folder written by `neurode train --task dynamics`.
        run: PathBuf,
        /// End time of the prediction.
        #[arg(long, default_value_t = 35.0)]
        t_end: f64,
        /// Number of output times on [0, t-end].
        #[arg(long, default_value_t = 1400)]
        points: usize,
        /// Initial state, comma-separated (default: the data's first state).
        #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
        y0: Option<Vec<f64>>,
        /// Output CSV (columns t, x1..xn).
        #[arg(long, default_value = "trajectory.csv")]
        out: PathBuf,
    },
    /// Integrate the built-in true spiral dynamics (or a trained model with --run) and plot.
    #[command(allow_negative_numbers = true)]
    Solve(SolveArgs),
    /// Write a run's best model as PyTorch weights (safetensors with the `state_dict` names
    /// of the PyTorch rendering of the model; `load_state_dict` reads it).
    Export {
        /// A folder written by `neurode train`.
        run: PathBuf,
        /// Output file (`.safetensors`).
        #[arg(long, default_value = "model.safetensors")]
        out: PathBuf,
    },
}

/// `neurode solve`.
#[derive(Debug, Args)]
pub struct SolveArgs {
    /// Use a trained dynamics model instead of the true dynamics.
    #[arg(long)]
    pub run: Option<PathBuf>,
    /// Initial state, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        allow_hyphen_values = true,
        default_value = "2,0"
    )]
    pub y0: Vec<f64>,
    /// End time.
    #[arg(long, default_value_t = 25.0)]
    pub t_end: f64,
    /// Number of output times on [0, t-end].
    #[arg(long, default_value_t = 1000)]
    pub points: usize,
    /// Solver.
    #[arg(long, default_value = "dopri5")]
    pub solver: Method,
    /// Relative tolerance.
    #[arg(long, default_value_t = 1e-7)]
    pub rtol: f64,
    /// Absolute tolerance.
    #[arg(long, default_value_t = 1e-9)]
    pub atol: f64,
    /// Fixed steps (fixed-step solvers).
    #[arg(long)]
    pub steps: Option<usize>,
    /// Output CSV.
    #[arg(long, default_value = "solve.csv")]
    pub out: PathBuf,
    /// Output figure (PNG or SVG).
    #[arg(long, default_value = "solve.png")]
    pub plot: PathBuf,
}

/// `neurode train`: every flag is optional; absent flags take the value of `--config`, then
/// the task's defaults (the papers' settings).
#[derive(Debug, Args, Default)]
pub struct TrainArgs {
    /// What is learned: dynamics (paper 000), classify (paper 003), density (paper 003's
    /// continuous normalizing flows) or sequence (its liquid networks: predict a driven
    /// oscillator from its input).
    #[arg(long)]
    pub task: Option<TaskKind>,
    /// The settings every other flag starts from: neurode's (the default; fits on every seed
    /// measured) or the paper's exactly.
    #[arg(long, value_enum)]
    pub recipe: Option<Recipe>,
    /// The model: paper 000's for dynamics (dense takes --hidden/--layers), paper 003's for
    /// classify.
    #[arg(long)]
    pub model: Option<ModelArg>,
    /// Hidden width of a dense model.
    #[arg(long)]
    pub hidden: Option<usize>,
    /// Affine layers of a dense model.
    #[arg(long)]
    pub layers: Option<usize>,
    /// Augmented dimensions (augmented Neural ODE).
    #[arg(long)]
    pub augment: Option<usize>,
    /// flex, ndarray or wgpu.
    #[arg(long)]
    pub backend: Option<Backend>,
    /// f32 or f64.
    #[arg(long)]
    pub precision: Option<Precision>,
    /// The ODE solver.
    #[arg(long)]
    pub solver: Option<Method>,
    /// Relative tolerance.
    #[arg(long)]
    pub rtol: Option<f64>,
    /// Absolute tolerance.
    #[arg(long)]
    pub atol: Option<f64>,
    /// Fixed steps (fixed-step solvers).
    #[arg(long)]
    pub steps: Option<usize>,
    /// Step-size controller of adaptive solvers.
    #[arg(long)]
    pub controller: Option<ControllerKind>,
    /// How gradients flow through the solver.
    #[arg(long)]
    pub gradient: Option<GradientConfig>,
    /// Seminorm error control in the adjoint's backward solve (adjoint, interpolated).
    #[arg(long)]
    pub seminorm: bool,
    /// States held at once by --gradient checkpoint (default: about 2√n for n solver steps).
    #[arg(long)]
    pub gradient_checkpoints: Option<usize>,
    /// Training iterations (dynamics).
    #[arg(long)]
    pub iters: Option<u64>,
    /// Training epochs (classify).
    #[arg(long)]
    pub epochs: Option<u64>,
    /// Batch size.
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Window length in samples (dynamics); replaces the recipe's curriculum.
    #[arg(long)]
    pub seq_len: Option<usize>,
    /// Learning rate.
    #[arg(long)]
    pub lr: Option<f64>,
    /// L2 weight decay.
    #[arg(long)]
    pub weight_decay: Option<f64>,
    /// The optimizer (RMSprop's α is --beta2).
    #[arg(long)]
    pub optimizer: Option<Algorithm>,
    /// Adam's β₁.
    #[arg(long)]
    pub beta1: Option<f64>,
    /// Adam's β₂ (RMSprop's α).
    #[arg(long)]
    pub beta2: Option<f64>,
    /// Adam's ε.
    #[arg(long)]
    pub eps: Option<f64>,
    /// Global gradient-norm clip τ (0 turns clipping off).
    #[arg(long)]
    pub clip: Option<f64>,
    /// Time-weighted loss with this α (0 turns it off).
    #[arg(long)]
    pub time_weighted: Option<f64>,
    /// Learning-rate schedule.
    #[arg(long)]
    pub schedule: Option<ScheduleArg>,
    /// Steps of linear learning-rate warm-up at the start of each curriculum stage.
    #[arg(long)]
    pub warmup: Option<u64>,
    /// Early stopping: stop at the first evaluation whose test loss is at or below this
    /// (off by default).
    #[arg(long)]
    pub stop_below: Option<f64>,
    /// Multiple shooting: each training series in this many segments, solved together and
    /// joined by a continuity penalty, instead of windows (dynamics).
    #[arg(long, value_name = "SEGMENTS")]
    pub shooting: Option<usize>,
    /// Weight of multiple shooting's continuity penalty (default 1).
    #[arg(long, requires = "shooting")]
    pub continuity: Option<f64>,
    /// Learn the segment starts of multiple shooting (default: take them from the data).
    #[arg(long, requires = "shooting")]
    pub free_nodes: bool,
    /// The built-in distribution of --task density: moons, 8gaussians, checkerboard or
    /// 2spirals (FFJORD's 2-D toys; default moons).
    #[arg(long, value_parser = parse_toy)]
    pub dataset: Option<Toy2d>,
    /// Flow time T of --task density (data at 0, the normal base at T; default 0.5).
    #[arg(long)]
    pub flow_time: Option<f64>,
    /// The divergence in --task density's training (evaluation is exact).
    #[arg(long)]
    pub trace: Option<TraceKind>,
    /// RNODE's weight λ in --task density: the loss adds λ(∫‖f‖² + ∫‖∂f/∂z‖²_F) (0: off).
    #[arg(long)]
    pub rnode: Option<f64>,
    /// Held-out points drawn from the built-in distribution of --task density (default 2000).
    #[arg(long)]
    pub test_points: Option<usize>,
    /// Seed of parameters and batches.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Evaluate every N iterations/epochs.
    #[arg(long)]
    pub eval_every: Option<u64>,
    /// Held-out share for classification.
    #[arg(long)]
    pub test_fraction: Option<f64>,
    /// Your own CSV data (dynamics: t, x1..xn[, id]; classify: x1..xn, label; density:
    /// x1..xn).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Initial weights from PyTorch (a `state_dict` as .safetensors, .pt or .pth) instead of the
    /// seeded initialisation.
    #[arg(long)]
    pub init: Option<PathBuf>,
    /// A TOML config (a `config.toml` of an earlier run works); flags override it.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Run folder (default: a new `runs/run-NNN`). An existing run folder is never
    /// overwritten: pass --resume to continue it.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Checkpoints kept in the run folder (default 2: a damaged newest one falls back to the
    /// one before).
    #[arg(long)]
    pub keep_checkpoints: Option<usize>,
    /// Continue the run in --out from its last checkpoint.
    #[arg(long)]
    pub resume: bool,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
    /// Skip the PNG figures.
    #[arg(long)]
    pub no_figures: bool,
}

/// `--model`: a model of any task ([`AnyArch`]'s names), or a shorthand for the classifier
/// with its solver (`ode-euler`, `ode-rk4`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelArg {
    /// The model.
    pub arch: AnyArch,
    /// The solver its name picks (the `ode-*` shorthands).
    pub solver: Option<Method>,
}

/// Every `--model` value: each task's models, then the classifier shorthands.
static MODEL_ARGS: LazyLock<Vec<ModelArg>> = LazyLock::new(|| {
    let ode = AnyArch::Classify(neurode_run::ClassifierArch::Ode);
    let named = AnyArch::all().map(|arch| ModelArg { arch, solver: None });
    let shorthands = [Method::Euler, Method::Rk4].map(|m| ModelArg {
        arch: ode,
        solver: Some(m),
    });
    named.chain(shorthands).collect()
});

impl ValueEnum for ModelArg {
    fn value_variants<'a>() -> &'a [Self] {
        &MODEL_ARGS
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        let name = match self.solver {
            Some(Method::Euler) => "ode-euler",
            Some(Method::Rk4) => "ode-rk4",
            _ => self.arch.name(),
        };
        let value = clap::builder::PossibleValue::new(name);
        // The name version-1 configs wrote.
        Some(if name == "input-ode" {
            value.alias("inputode")
        } else {
            value
        })
    }
}

/// `--dataset`: one of FFJORD's 2-D toys by its name.
fn parse_toy(s: &str) -> Result<Toy2d, String> {
    s.parse()
        .map_err(|e: neurode_datasets::DataError| e.to_string())
}

/// `--schedule`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScheduleArg {
    /// ReduceLROnPlateau (factor 0.1, patience 5 evaluations).
    Plateau,
    /// Cosine annealing over the whole run.
    Cosine,
    /// Cosine annealing over each curriculum stage (the whole run without one).
    Anneal,
    /// A constant learning rate.
    None,
}
