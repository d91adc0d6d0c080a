//! A whole run from a [`RunConfig`], as the `neurode` binary and the reproduction suite do it:
//! the config's data, model and [`Trainer`], a run folder, a progress bar and the figures as
//! observers, resume from the folder's checkpoint.

use burn::module::Module;
use burn::tensor::Device;
use neurode_models::{TorchNames, load_record, load_torch_weights, param_size};

use crate::figures::{classify_figures, dynamics_figures};
use crate::{
    DensityTask, DynamicsTask, Progress, RunConfig, RunDir, RunFolder, RunInfo, Summary,
    TaskConfig, Unit, classifier, classify_data, density_data, density_figures, dynamics_data,
    dynamics_model, flow_model, model_name, run_device, sequence_data, sequence_figures,
    sequence_model,
};
use neurode_train::{
    Classification, Density, Moment, MultipleShooting, Observer, Outcome, Regression, Sequences,
    Task, TrainError, Trainer,
};

/// How a run behaves (not part of its config).
#[derive(Debug, Clone, PartialEq)]
pub struct TrainOptions {
    /// No progress bar.
    pub quiet: bool,
    /// Continue from the run folder's last checkpoint if it has one.
    pub resume: bool,
    /// Draw the PNG figures at the end.
    pub figures: bool,
    /// Raised from outside (a Ctrl-C handler) to stop after the current step, checkpointed
    /// and resumable; the run then returns [`TrainError::Interrupted`].
    pub interrupt: Option<neurode_train::Interrupt>,
}

impl Default for TrainOptions {
    fn default() -> Self {
        Self {
            quiet: false,
            resume: false,
            figures: true,
            interrupt: None,
        }
    }
}

/// The trainer a config describes (an error when its curriculum does not fit its budget).
pub fn trainer(config: &RunConfig) -> Result<Trainer, TrainError> {
    let mut t = Trainer::curriculum(config.phases()?)
        .with_optimizer(config.adam())
        .with_schedule(config.optimizer.schedule)
        .with_warmup(config.optimizer.warmup)
        .with_eval_every(config.eval_every)
        .with_seed(config.seed);
    t.stop_below = config.stop_below;
    Ok(t)
}

/// Trains the run `config` describes into `dir` (either task) and returns its summary. A
/// divergence or solver failure returns the error after writing the summary and keeping the
/// best model.
pub fn train(config: &RunConfig, dir: &RunDir, opts: &TrainOptions) -> Result<Summary, TrainError> {
    config.validate()?;
    let device = run_device(config)?;
    let at = &Launch {
        config,
        dir,
        opts,
        device: &device,
    };
    let batch_size = config.task.batch_size();
    match &config.task {
        TaskConfig::Dynamics(settings) => train_dynamics(at, settings),
        TaskConfig::Density(settings) => train_density(at, settings),
        TaskConfig::Sequence(_) => {
            let (train_set, test_set) = sequence_data(config)?;
            let model = sequence_model(config, &train_set, &device.clone().autodiff())?;
            let task = Sequences::new(train_set, test_set, batch_size, &device);
            run(at, model, &task, Unit::Iteration, |best, _, rows| {
                sequence_figures(dir, rows, &best.valid(), &task.test)
            })
        }
        TaskConfig::Classify(_) => {
            let (train_set, test_set) = classify_data(config)?;
            let classes = train_set.classes().max(test_set.classes()).max(2);
            let model = classifier(config, train_set.dim, classes, &device.clone().autodiff())?;
            let task = Classification::new(train_set, test_set, batch_size, &device);
            run(at, model, &task, Unit::Epoch, |_, last, rows| {
                classify_figures(dir, rows, &last.valid(), &task.train, &task.test, &device)
            })
        }
    }
}

/// What every task's run shares: its config, folder, options and device.
struct Launch<'a> {
    config: &'a RunConfig,
    dir: &'a RunDir,
    opts: &'a TrainOptions,
    device: &'a Device,
}

/// [`train`] for trajectory regression (and multiple shooting).
fn train_dynamics(at: &Launch<'_>, settings: &DynamicsTask) -> Result<Summary, TrainError> {
    let (config, dir, device) = (at.config, at.dir, at.device);
    let (series, extended) = dynamics_data(config)?;
    let model = dynamics_model(config, &series, &device.clone().autodiff())?;
    let mut task = Regression::new(series, settings.batch_size, settings.seq_len, device);
    if let Some(alpha) = settings.time_weighted {
        task = task.with_time_weighting(alpha);
    }
    if let Some(ext) = extended {
        task = task.with_extended(ext);
    }
    if let Some(s) = settings.shooting {
        let shots = MultipleShooting::new(task, s.segments, s.continuity, s.nodes())?;
        let model = shots.shot(model);
        let reg = &shots.regression;
        return run(at, model, &shots, Unit::Iteration, |best, _, rows| {
            let ext = reg.extended.as_ref();
            dynamics_figures(dir, rows, &best.ode.valid(), &reg.series[0], ext, device)
        });
    }
    run(at, model, &task, Unit::Iteration, |best, _, rows| {
        let ext = task.extended.as_ref();
        dynamics_figures(dir, rows, &best.valid(), &task.series[0], ext, device)
    })
}

/// [`train`] for a continuous normalizing flow.
fn train_density(at: &Launch<'_>, settings: &DensityTask) -> Result<Summary, TrainError> {
    let (config, dir, device) = (at.config, at.dir, at.device);
    let (data, test) = density_data(config)?;
    let flow = &settings.flow;
    let model = flow_model(config, data.dim(), &device.clone().autodiff())?;
    let mut task = Density::new(data, test, settings.batch_size, device).with_trace(flow.trace);
    if let Some(lambda) = flow.rnode {
        task = task.with_rnode(lambda);
    }
    run(at, model, &task, Unit::Iteration, |best, _, rows| {
        density_figures(dir, rows, &best.valid(), &task, device)
    })
}

/// Draws a run's figures from its best and last models and its evaluations.
type Draw<'a, M> = dyn FnMut(&M, &M, &[neurode_train::MetricsRow]) -> Result<(), TrainError> + 'a;

/// The run folder, resume, observers and figures around [`Trainer::resume`].
fn run<T: Task<Model: TorchNames>>(
    at: &Launch<'_>,
    model: T::Model,
    task: &T,
    unit: Unit,
    mut draw: impl FnMut(&T::Model, &T::Model, &[neurode_train::MetricsRow]) -> Result<(), TrainError>,
) -> Result<Summary, TrainError> {
    let Launch {
        config, dir, opts, ..
    } = *at;
    // PyTorch weights of a fresh run, checked before the run folder is created.
    let mut model = model;
    if let Some(init) = config.init.as_ref().filter(|_| !opts.resume) {
        model = load_torch_weights(model, init)?;
    }
    // A folder this call creates is removed again if the run fails before writing anything
    // but its config (bad settings found late, e.g. a window longer than the data).
    let fresh = !opts.resume && !dir.root.exists();
    // …and so are the parent folders it creates (`runs/`), when they stay empty.
    let new_parents: Vec<std::path::PathBuf> = dir
        .root
        .ancestors()
        .skip(1)
        .take_while(|p| !p.as_os_str().is_empty() && !p.exists())
        .map(|p| p.to_path_buf())
        .collect();
    // One writer per folder, held to the end of the run (released by the OS if killed).
    let _lock = dir.lock()?;
    dir.start(config, opts.resume)?;
    let info = RunInfo {
        model: model_name(config),
        size: param_size(&model),
        device: format!("{:?}", run_device(config)?),
        loss_threshold: config.loss_threshold,
    };
    let mut trainer = trainer(config)?;
    trainer.interrupt = opts.interrupt.clone();
    let mut folder = RunFolder::new(dir.clone(), info).with_keep(config.keep_checkpoints);
    let (model, state) = match folder.last_checkpoint(model.clone())? {
        Some(found) if opts.resume => found,
        _ => (model, trainer.fresh_state()),
    };
    for damaged in folder.skipped() {
        eprintln!("warning: skipped a damaged checkpoint: {damaged}");
    }
    let mut progress = if opts.quiet {
        Progress::hidden(unit)
    } else {
        Progress::new(unit)
    };
    // A resumed run's best model so far is in the folder.
    let best = (opts.resume && opts.figures)
        .then(|| load_record(model.clone(), &dir.best()).ok())
        .flatten();
    let mut figures = Figures {
        draw: opts.figures.then_some(&mut draw as &mut Draw<'_, T::Model>),
        best,
    };
    let observers: &mut [&mut dyn Observer<T::Model>] =
        &mut [&mut folder, &mut progress, &mut figures];
    let outcome = trainer.resume(model, state, task, observers);
    if outcome.is_err() && fresh && remove_if_only_config(&dir.root) {
        for parent in &new_parents {
            // Only empty folders go (remove_dir fails on any other).
            let _ = std::fs::remove_dir(parent);
        }
    }
    let summary = folder.summary().cloned();
    outcome?;
    summary.ok_or_else(|| TrainError::file(&dir.summary(), "the run ended without a summary"))
}

/// Removes `root` when it holds nothing but a run's `config.toml` and lock file (a run that
/// failed before its first evaluation leaves no empty run folder behind); whether it did.
fn remove_if_only_config(root: &std::path::Path) -> bool {
    let Ok(entries) = std::fs::read_dir(root) else {
        return false;
    };
    let only_config = entries
        .flatten()
        .all(|e| matches!(e.file_name().to_str(), Some("config.toml" | ".lock")));
    only_config && std::fs::remove_dir_all(root).is_ok()
}

/// Draws the figures at the end of a run, from the best model seen and the last one.
struct Figures<'a, M> {
    draw: Option<&'a mut Draw<'a, M>>,
    best: Option<M>,
}

impl<M: Module> Observer<M> for Figures<'_, M> {
    fn evaluated(&mut self, now: Moment<'_, M>, improved: bool) -> Outcome {
        if improved && self.draw.is_some() {
            self.best = Some(now.model.clone());
        }
        Ok(())
    }

    fn finished(&mut self, Moment { model, state }: Moment<'_, M>, outcome: &Outcome) -> Outcome {
        let Some(draw) = self.draw.as_mut() else {
            return Ok(());
        };
        let drawn = draw(self.best.as_ref().unwrap_or(model), model, &state.rows);
        // After a failure the run's own error is the one to report.
        if outcome.is_ok() { drawn } else { Ok(()) }
    }
}
