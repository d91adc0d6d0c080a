//! `train` flags + config file → one validated `RunConfig` (flags are typed by clap; what is
//! left here is the order: task defaults ← `--config` file ← flags).

use anyhow::{Context, Result, bail};
use std::path::PathBuf;

use neurode_run::{FlatSettings, Inapplicable, RunConfig, TaskKind, read_text};
use neurode_solvers::Stepping;
use neurode_train::{Flow, Plateau, Schedule, Setting, Shooting};

use crate::args::{ScheduleArg, TrainArgs};

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
            let base = RunConfig::recipe(a.task.unwrap_or(probe.kind()), recipe);
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
            if next.kind() == TaskKind::Classify {
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

/// `c` with the flags applied, validated: the flags become the library's [`FlatSettings`]
/// (one mapping from flat names to the typed config, the same that reads version-1 files),
/// refusing any the run's task or model does not have.
fn with_flags(mut c: RunConfig, a: &TrainArgs) -> Result<RunConfig> {
    let task = a.task.unwrap_or(c.kind());
    if let Some(m) = a.model
        && !m.arch.fits(task)
    {
        bail!(
            "--model {}: not a model of --task {}: {} (ode-euler and ode-rk4 are the ode classifier with that solver)",
            flag_value(m),
            task.name(),
            neurode_run::AnyArch::names_by_task()
        );
    }
    let flow_flags = a.dataset.is_some()
        || a.flow_time.is_some()
        || a.trace.is_some()
        || a.rnode.is_some()
        || a.test_points.is_some();
    if flow_flags && task != TaskKind::Density {
        bail!(
            "--dataset, --flow-time, --trace, --rnode and --test-points are settings of --task density, not of --task {}",
            task.name()
        );
    }
    let flat = FlatSettings {
        task: a.task,
        model: a.model.map(|m| m.arch),
        hidden: a.hidden,
        layers: a.layers,
        augment: a.augment,
        backend: a.backend,
        precision: a.precision,
        solver: a.solver.or(a.model.and_then(|m| m.solver)),
        rtol: a.rtol,
        atol: a.atol,
        controller: a.controller,
        steps: a.steps.map(Some),
        gradient: a.gradient,
        seminorm: a.seminorm.then_some(true),
        gradient_checkpoints: a.gradient_checkpoints.map(Some),
        iters: a.iters,
        epochs: a.epochs,
        batch_size: a.batch_size,
        seq_len: a.seq_len,
        lr: a.lr,
        weight_decay: a.weight_decay,
        beta1: a.beta1,
        beta2: a.beta2,
        eps: a.eps,
        optimizer: a.optimizer,
        clip: a.clip.map(|v| (v != 0.0).then_some(v)),
        time_weighted: a.time_weighted.map(|v| (v != 0.0).then_some(v)),
        schedule: a.schedule.map(schedule),
        warmup: a.warmup,
        // Whole series (shooting) or one window length replace the recipe's curriculum.
        curriculum: (a.shooting.is_some() || a.seq_len.is_some()).then(Vec::new),
        stop_below: a.stop_below.map(Some),
        shooting: a.shooting.map(|segments| Shooting {
            segments,
            continuity: a.continuity.unwrap_or(1.0),
            free_nodes: a.free_nodes,
        }),
        flow: flow(&c, a),
        keep_checkpoints: a.keep_checkpoints,
        seed: a.seed,
        data_seed: None,
        eval_every: a.eval_every,
        loss_threshold: None,
        test_fraction: a.test_fraction,
        data: existing(&a.data, "a CSV file is expected", "--data")?,
        init: existing(
            &a.init,
            "PyTorch weights are expected: .safetensors, .pt or .pth",
            "--init",
        )?,
    };
    flat.apply(&mut c, Inapplicable::Refuse)?;
    // Paper 003's classifier takes 20 fixed steps of a fixed-step solver.
    if c.kind() == TaskKind::Classify && !c.solver.method.is_adaptive() && !c.solver.is_fixed_step()
    {
        c.solver.stepping = Stepping::Steps(20);
    }
    // Cosine annealing spans the whole run (PyTorch's T_max = epochs in paper 003).
    if let Schedule::Cosine { min_lr, .. } = c.optimizer.schedule {
        c.optimizer.schedule = Schedule::Cosine {
            total: c.budget(),
            min_lr,
        };
    }
    c.validate()?;
    Ok(c)
}

/// The flow's flags (`--task density` only) on the config's flow.
fn flow(c: &RunConfig, a: &TrainArgs) -> Option<Flow> {
    if a.dataset.is_none()
        && a.flow_time.is_none()
        && a.trace.is_none()
        && a.rnode.is_none()
        && a.test_points.is_none()
    {
        return None;
    }
    let flow = c.flow().cloned().unwrap_or_default();
    Some(Flow {
        dataset: a.dataset.unwrap_or(flow.dataset),
        time: a.flow_time.unwrap_or(flow.time),
        trace: a.trace.unwrap_or(flow.trace),
        rnode: a.rnode.map_or(flow.rnode, |l| (l != 0.0).then_some(l)),
        test_points: a.test_points.unwrap_or(flow.test_points),
    })
}

/// `--schedule`'s schedule (a cosine schedule's span is set to the run's budget later).
fn schedule(s: ScheduleArg) -> Schedule {
    match s {
        ScheduleArg::Plateau => Schedule::Plateau(Plateau::new(0.1, 5)),
        ScheduleArg::Cosine => Schedule::Cosine {
            total: 1,
            min_lr: 0.0,
        },
        ScheduleArg::Anneal => Schedule::Anneal { min_lr: 0.0 },
        ScheduleArg::None => Schedule::None,
    }
}

/// `--data` and `--init`: files that must exist.
fn existing(path: &Option<PathBuf>, expected: &str, flag: &str) -> Result<Option<Option<PathBuf>>> {
    match path {
        Some(p) if !p.is_file() => bail!("{flag} {}: no such file ({expected})", p.display()),
        Some(p) => Ok(Some(Some(p.clone()))),
        None => Ok(None),
    }
}

/// How a value is written on the command line.
fn flag_value(v: impl clap::ValueEnum) -> String {
    v.to_possible_value()
        .map_or_else(String::new, |p| p.get_name().to_string())
}
