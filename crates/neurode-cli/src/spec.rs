//! `train` flags + config file → one validated `RunConfig` (flags are typed by clap; what is
//! left here is the order: task defaults ← `--config` file ← flags).

use anyhow::{Context, Result, bail};
use neurode_run::{ModelKind, RunConfig, TaskKind, read_text};
use neurode_solvers::Method;
use neurode_train::{Plateau, Schedule, Setting};

use crate::args::{ModelArg, ScheduleArg, TrainArgs};

/// Builds the run's config: task defaults ← `--config` file ← flags; then validates it.
pub fn run_config(a: &TrainArgs) -> Result<RunConfig> {
    if a.resume {
        return resumed_config(a);
    }
    let recipe = a.recipe.unwrap_or_default();
    let c = match &a.config {
        Some(path) => {
            let text = read_text(path)?;
            // The file's task picks the defaults the file's other keys override.
            let probe = RunConfig::from_toml(&text, &RunConfig::dynamics())
                .with_context(|| format!("--config {}", path.display()))?;
            let base = RunConfig::recipe(a.task.unwrap_or(probe.task), recipe);
            RunConfig::from_toml(&text, &base)
                .with_context(|| format!("--config {}", path.display()))?
        }
        None => RunConfig::recipe(a.task.unwrap_or(TaskKind::Dynamics), recipe),
    };
    with_flags(c, a)
}

/// `--resume`: the run's own `config.toml`, whose budget `--iters`/`--epochs` may extend; any
/// other flag that would change the run is refused, naming it (one that repeats the run's own
/// value is harmless).
fn resumed_config(a: &TrainArgs) -> Result<RunConfig> {
    let Some(out) = &a.out else {
        bail!("--resume needs --out: the run folder to continue");
    };
    if a.config.is_some() || a.recipe.is_some() {
        let which = if a.config.is_some() {
            "--config"
        } else {
            "--recipe"
        };
        bail!(
            "{which} cannot be combined with --resume: a resumed run continues with its own {}",
            out.join("config.toml").display()
        );
    }
    let dir = neurode_run::RunDir::new(out);
    if !dir.config().is_file() {
        bail!(
            "--resume: {} holds no run to continue (no config.toml); drop --resume to start one there",
            out.display()
        );
    }
    let saved = dir.read_config()?;
    let next = with_flags(saved.clone(), a)?;
    if let Some(&setting) = saved.differences(&next).first() {
        let flag = match setting {
            // Only these flags replace a recipe's curriculum.
            Setting::Curriculum => "--seq-len/--shooting",
            other => crate::flags::flag(other),
        };
        bail!(
            "{flag} would change the run being resumed; a resumed run keeps its config.toml and only --iters/--epochs may extend it"
        );
    }
    if next.budget() < saved.budget() {
        bail!(
            "{} {} is below the run's budget of {}: --resume may only extend it",
            if next.task == TaskKind::Classify {
                "--epochs"
            } else {
                "--iters"
            },
            next.budget(),
            saved.budget()
        );
    }
    Ok(next)
}

/// `c` with the flags applied, validated.
fn with_flags(mut c: RunConfig, a: &TrainArgs) -> Result<RunConfig> {
    if let Some(t) = a.task {
        c.task = t;
    }
    apply_model(&mut c, a)?;
    macro_rules! set {
        ($($field:ident),+) => {$( if let Some(v) = a.$field { c.$field = v; } )+};
    }
    set!(
        hidden, layers, augment, backend, precision, solver, rtol, atol, iters, epochs
    );
    set!(
        batch_size,
        seq_len,
        lr,
        weight_decay,
        beta1,
        beta2,
        eps,
        seed,
        eval_every
    );
    set!(
        test_fraction,
        controller,
        gradient,
        warmup,
        optimizer,
        keep_checkpoints
    );
    if let Some(t) = a.stop_below {
        c.stop_below = Some(t);
    }
    apply_flow(&mut c, a)?;
    apply_windows(&mut c, a);
    if let Some(s) = a.steps {
        c.steps = Some(s);
    }
    if a.seminorm {
        c.seminorm = true;
    }
    if let Some(n) = a.gradient_checkpoints {
        c.gradient_checkpoints = Some(n);
    }
    if let Some(v) = a.clip {
        c.clip = (v != 0.0).then_some(v);
    }
    if let Some(v) = a.time_weighted {
        c.time_weighted = (v != 0.0).then_some(v);
    }
    apply_schedule(&mut c, a);
    apply_files(&mut c, a)?;
    if c.task == TaskKind::Classify && !c.solver.is_adaptive() && c.steps.is_none() {
        c.steps = Some(20);
    }
    c.validate()?;
    Ok(c)
}

/// `--model`: the kind (it must fit the task) and the solver an `ode-*` name implies.
fn apply_model(c: &mut RunConfig, a: &TrainArgs) -> Result<()> {
    if let Some(m) = a.model {
        let (kind, solver) = model(m);
        if !kind.fits(c.task) {
            bail!(
                "--model {}: not a model of --task {}: dynamics takes baseline … timeaware64 or dense, classify takes ode-euler, ode-rk4 or resnet, density takes cnf, sequence takes ltc or input-ode",
                flag_value(m),
                flag_value(c.task)
            );
        }
        c.model = kind;
        if let Some(s) = solver {
            c.solver = s;
        }
    }
    Ok(())
}

/// The flow's flags (`--task density` only).
fn apply_flow(c: &mut RunConfig, a: &TrainArgs) -> Result<()> {
    let flow_flags = a.dataset.is_some()
        || a.flow_time.is_some()
        || a.trace.is_some()
        || a.rnode.is_some()
        || a.test_points.is_some();
    if flow_flags {
        if c.task != TaskKind::Density {
            bail!(
                "--dataset, --flow-time, --trace, --rnode and --test-points are settings of --task density, not of --task {}",
                flag_value(c.task)
            );
        }
        let mut flow = c.flow();
        if let Some(d) = a.dataset {
            flow.dataset = d;
        }
        if let Some(t) = a.flow_time {
            flow.time = t;
        }
        if let Some(t) = a.trace {
            flow.trace = t;
        }
        if let Some(l) = a.rnode {
            flow.rnode = (l != 0.0).then_some(l);
        }
        if let Some(n) = a.test_points {
            flow.test_points = n;
        }
        c.flow = Some(flow);
    }
    Ok(())
}

/// `--shooting` and `--seq-len`: whole series or one window length instead of the recipe's
/// curriculum.
fn apply_windows(c: &mut RunConfig, a: &TrainArgs) {
    if let Some(segments) = a.shooting {
        c.shooting = Some(neurode_train::Shooting {
            segments,
            continuity: a.continuity.unwrap_or(1.0),
            free_nodes: a.free_nodes,
        });
        // Shooting trains on whole series: the recipe's length curriculum does not apply.
        c.curriculum.clear();
    }
    // An explicit window length replaces the recipe's curriculum.
    if a.seq_len.is_some() {
        c.curriculum.clear();
    }
}

/// `--schedule`, and a cosine schedule spanning the whole run.
fn apply_schedule(c: &mut RunConfig, a: &TrainArgs) {
    if let Some(s) = a.schedule {
        c.schedule = match s {
            ScheduleArg::Plateau => Schedule::Plateau(Plateau::new(0.1, 5)),
            ScheduleArg::Cosine => Schedule::Cosine {
                total: 1,
                min_lr: 0.0,
            },
            ScheduleArg::Anneal => Schedule::Anneal { min_lr: 0.0 },
            ScheduleArg::None => Schedule::None,
        };
    }
    // Cosine annealing spans the whole run (PyTorch's T_max = epochs in paper 003).
    if let Schedule::Cosine { min_lr, .. } = c.schedule {
        c.schedule = Schedule::Cosine {
            total: c.budget(),
            min_lr,
        };
    }
}

/// `--data` and `--init`: files that must exist.
fn apply_files(c: &mut RunConfig, a: &TrainArgs) -> Result<()> {
    if let Some(d) = &a.data {
        if !d.is_file() {
            bail!(
                "--data {}: no such file (a CSV file is expected)",
                d.display()
            );
        }
        c.data = Some(d.clone());
    }
    if let Some(w) = &a.init {
        if !w.is_file() {
            bail!(
                "--init {}: no such file (PyTorch weights are expected: .safetensors, .pt or .pth)",
                w.display()
            );
        }
        c.init = Some(w.clone());
    }
    Ok(())
}

/// A `--model` value → model kind (and the solver an `ode-*` name implies).
fn model(m: ModelArg) -> (ModelKind, Option<Method>) {
    match m {
        ModelArg::Baseline => (ModelKind::Baseline, None),
        ModelArg::Compact32 => (ModelKind::Compact32, None),
        ModelArg::Compact64 => (ModelKind::Compact64, None),
        ModelArg::Compact96 => (ModelKind::Compact96, None),
        ModelArg::Residual64 => (ModelKind::Residual64, None),
        ModelArg::Timeaware64 => (ModelKind::TimeAware64, None),
        ModelArg::Dense => (ModelKind::Dense, None),
        ModelArg::Ode => (ModelKind::Ode, None),
        ModelArg::OdeEuler => (ModelKind::Ode, Some(Method::Euler)),
        ModelArg::OdeRk4 => (ModelKind::Ode, Some(Method::Rk4)),
        ModelArg::Resnet => (ModelKind::Resnet, None),
        ModelArg::Cnf => (ModelKind::Cnf, None),
        ModelArg::Ltc => (ModelKind::Ltc, None),
        ModelArg::InputOde => (ModelKind::InputOde, None),
    }
}

/// How a value is written on the command line.
fn flag_value(v: impl clap::ValueEnum) -> String {
    v.to_possible_value()
        .map_or_else(String::new, |p| p.get_name().to_string())
}
