//! Raw `train` flags + config file → one validated `RunConfig`.

use neurode_solvers::Method;
use neurode_train::{
    ControllerKind, GradientKind, ModelKind, RunConfig, Schedule, Task, TrainError, read_text,
};

use crate::args::TrainArgs;

/// An invalid flag value.
fn bad(flag: &'static str, value: &str, accepted: &'static str) -> TrainError {
    TrainError::Config {
        name: flag,
        value: value.to_string(),
        expected: accepted,
    }
}

/// Builds the run's config: task defaults ← `--config` file ← flags; then validates it.
pub fn run_config(a: &TrainArgs) -> Result<RunConfig, TrainError> {
    let task = match a.task.as_deref() {
        None => None,
        Some("dynamics") => Some(Task::Dynamics),
        Some("classify") => Some(Task::Classify),
        Some(other) => return Err(bad("task", other, "dynamics or classify")),
    };
    let mut c = match &a.config {
        Some(path) => {
            let text = read_text(path)?;
            // The file's task picks the defaults the file's other keys override.
            let probe = RunConfig::from_toml(&text, &RunConfig::dynamics())?;
            let base = RunConfig::for_task(task.unwrap_or(probe.task));
            RunConfig::from_toml(&text, &base).map_err(|e| TrainError::File {
                path: path.clone(),
                message: e.to_string(),
            })?
        }
        None => RunConfig::for_task(task.unwrap_or(Task::Dynamics)),
    };
    if let Some(t) = task {
        c.task = t;
    }
    if let Some(m) = &a.model {
        let (kind, solver) = model(m, c.task)?;
        c.model = kind;
        if let Some(s) = solver {
            c.solver = s;
        }
    }
    macro_rules! set {
        ($($field:ident),+) => {$( if let Some(v) = a.$field.clone() { c.$field = v; } )+};
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
        eval_every,
        test_fraction
    );
    if let Some(s) = a.steps {
        c.steps = Some(s);
    }
    if let Some(g) = a.gradient.as_deref() {
        c.gradient = match g {
            "adjoint" => GradientKind::Adjoint,
            "backprop" => GradientKind::Backprop,
            other => return Err(bad("gradient", other, "adjoint or backprop")),
        };
    }
    if let Some(k) = a.controller.as_deref() {
        c.controller = match k {
            "integral" => ControllerKind::Integral,
            "pi" => ControllerKind::Pi,
            other => return Err(bad("controller", other, "integral or pi")),
        };
    }
    if a.seminorm {
        c.seminorm = true;
    }
    if let Some(v) = a.clip {
        c.clip = (v != 0.0).then_some(v);
    }
    if let Some(v) = a.time_weighted {
        c.time_weighted = (v != 0.0).then_some(v);
    }
    if let Some(s) = a.schedule.as_deref() {
        c.schedule = match s {
            "plateau" => Schedule::Plateau {
                factor: 0.1,
                patience: 5,
                min_lr: 0.0,
            },
            "cosine" => Schedule::Cosine {
                total: 1,
                min_lr: 0.0,
            },
            "none" => Schedule::None,
            other => return Err(bad("schedule", other, "plateau, cosine or none")),
        };
    }
    // Cosine annealing spans the whole run (PyTorch's T_max = epochs in paper 003).
    if let Schedule::Cosine { min_lr, .. } = c.schedule {
        let total = if c.task == Task::Classify {
            c.epochs
        } else {
            c.iters
        };
        c.schedule = Schedule::Cosine { total, min_lr };
    }
    if let Some(d) = &a.data {
        if !d.is_file() {
            return Err(TrainError::File {
                path: d.clone(),
                message: "no such file (--data takes a CSV file)".into(),
            });
        }
        c.data = Some(d.clone());
    }
    if let Some(w) = &a.init {
        if !w.is_file() {
            return Err(TrainError::File {
                path: w.clone(),
                message: "no such file (--init takes PyTorch weights: .safetensors, .pt or .pth)"
                    .into(),
            });
        }
        c.init = Some(w.clone());
    }
    if c.task == Task::Classify && !c.solver.is_adaptive() && c.steps.is_none() {
        c.steps = Some(20);
    }
    c.validate()?;
    Ok(c)
}

/// A `--model` name → model kind (and the solver an `ode-*` name implies).
fn model(name: &str, task: Task) -> Result<(ModelKind, Option<Method>), TrainError> {
    let kind = match name.to_ascii_lowercase().as_str() {
        "baseline" => ModelKind::Baseline,
        "compact32" => ModelKind::Compact32,
        "compact64" => ModelKind::Compact64,
        "compact96" => ModelKind::Compact96,
        "residual64" => ModelKind::Residual64,
        "timeaware64" => ModelKind::TimeAware64,
        "dense" => ModelKind::Dense,
        "ode" => ModelKind::Ode,
        "ode-euler" => return Ok((ModelKind::Ode, Some(Method::Euler))),
        "ode-rk4" => return Ok((ModelKind::Ode, Some(Method::Rk4))),
        "resnet" => ModelKind::Resnet,
        _ => {
            return Err(bad(
                "model",
                name,
                "baseline, compact32, compact64, compact96, residual64, timeaware64, dense (dynamics) or ode-euler, ode-rk4, resnet (classify)",
            ));
        }
    };
    if !kind.fits(task) {
        return Err(bad(
            "model",
            name,
            "a model of the task: --task dynamics takes baseline … timeaware64 or dense, --task classify takes ode-euler, ode-rk4 or resnet",
        ));
    }
    Ok((kind, None))
}
