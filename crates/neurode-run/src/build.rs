//! From a [`RunConfig`] to a device, data and a model.

use neurode_adjoint::GradientMethod;
use neurode_backend::Device;
use neurode_datasets::{
    DrivenOscillator, DrivenSequences, Labeled, Series, SpiralDataConfig, SpiralSystem, TwoSpirals,
};
use neurode_models::{
    Activation, Cnf, ConcatSquashConfig, ConcatSquashMlp, DenseConfig, DrivenCell, DynamicsNet,
    DynamicsNetConfig, FlowSolve, Init, InputOdeConfig, LayerInit, LtcConfig, NeuralOde,
    NeuralOdeConfig, OdeClassifierConfig, ResNetMlpConfig, SequenceModel, Trace,
};
use neurode_solvers::{SolveOptions, Stepping};

use crate::arch::{AnyArch, ClassifierArch, DynamicsArch, FlowArch, SequenceArch};
use crate::{RunConfig, TaskConfig};
use neurode_train::{Classifier, DensityData, SequenceNet, TrainError, step_seed};

/// The device of a run (plain; `.autodiff()` for training).
pub fn run_device(config: &RunConfig) -> Result<Device, TrainError> {
    Ok(neurode_backend::device(config.backend, config.precision)?)
}

/// The forward solver options of a run.
pub fn solve_options(config: &RunConfig) -> SolveOptions {
    config.solver.clone()
}

/// The gradient method of a run (the adjoint solves backwards with the forward tolerances
/// and solver, like torchdiffeq's `odeint_adjoint` by default).
pub fn gradient_method(config: &RunConfig) -> GradientMethod {
    config.gradient_method()
}

/// The dynamics architecture of a dynamics model.
pub fn dynamics_config(arch: DynamicsArch) -> DynamicsNetConfig {
    match arch {
        DynamicsArch::Preset(p) => p.config(),
        DynamicsArch::Dense(size) => DynamicsNetConfig::Dense(
            DenseConfig::new()
                .with_width(size.hidden)
                .with_layers(size.layers)
                .with_activation(Activation::Tanh),
        ),
    }
}

/// The paper name of a run's model.
pub fn model_name(config: &RunConfig) -> String {
    let base = match config.task.arch() {
        AnyArch::Dynamics(DynamicsArch::Preset(p)) => p.paper_name().to_string(),
        AnyArch::Dynamics(DynamicsArch::Dense(s)) => format!("Dense-{}-L{}", s.hidden, s.layers),
        AnyArch::Classify(ClassifierArch::Ode) => format!("Neural ODE ({})", config.solver.method),
        AnyArch::Classify(ClassifierArch::Resnet) => "ResNet-MLP".to_string(),
        AnyArch::Sequence(SequenceArch::Ltc { units }) => format!("LTC-{units}"),
        AnyArch::Sequence(SequenceArch::InputOde { units }) => format!("Input ODE-{units}"),
        AnyArch::Density(FlowArch::Cnf(s)) => format!(
            "CNF (concat-squash {})",
            vec![s.hidden.to_string(); s.layers.saturating_sub(1)].join("-")
        ),
    };
    match config.task.dynamics() {
        Some(d) if d.augment > 0 => format!("{base} + ANODE({})", d.augment),
        _ => base,
    }
}

/// The Neural ODE of a dynamics run on `device`, for trajectories like `series` (their
/// dimension; with a fixed-step solver, `steps` steps per smallest sample spacing).
pub fn dynamics_model(
    config: &RunConfig,
    series: &[Series],
    device: &Device,
) -> Result<NeuralOde<DynamicsNet>, TrainError> {
    let Some(task) = config.task.dynamics() else {
        return Err(not_for(config, "a dynamics model"));
    };
    let dim = series.first().map_or(2, |s| s.dim);
    let mut solver = solve_options(config);
    if let Stepping::Steps(k) = solver.stepping {
        // Dynamics: fixed steps count per sample interval, so a window and the full test
        // trajectory are integrated with the same step length.
        let spacing = series
            .iter()
            .flat_map(|s| s.ts.windows(2).map(|w| w[1] - w[0]))
            .fold(f64::INFINITY, f64::min);
        solver = solver.with_stepping(Stepping::StepSize(spacing / k as f64));
    }
    let gradient = match gradient_method(config) {
        GradientMethod::Adjoint(a) => {
            let backward = a.solve.clone().with_stepping(solver.stepping);
            GradientMethod::Adjoint(a.with_solve(backward))
        }
        GradientMethod::Interpolated(a) => {
            let backward = a.solve.clone().with_stepping(solver.stepping);
            GradientMethod::Interpolated(a.with_solve(backward))
        }
        g => g,
    };
    Ok(NeuralOdeConfig::new(dynamics_config(task.model))
        .with_dim(dim)
        .with_augment(task.augment)
        .with_solver(solver)
        .with_gradient(gradient)
        .init(config.seed, device)?)
}

/// The classifier of a classification run.
pub fn classifier(
    config: &RunConfig,
    input_dim: usize,
    classes: usize,
    device: &Device,
) -> Result<Classifier, TrainError> {
    Ok(match config.task.arch() {
        AnyArch::Classify(ClassifierArch::Resnet) => Classifier::Resnet(
            ResNetMlpConfig::new()
                .with_input_dim(input_dim)
                .with_classes(classes)
                .init(config.seed, device)?,
        ),
        AnyArch::Classify(ClassifierArch::Ode) => Classifier::Ode(
            OdeClassifierConfig::new()
                .with_input_dim(input_dim)
                .with_classes(classes)
                .with_solver(solve_options(config))
                .with_gradient(gradient_method(config))
                .init(config.seed, device)?,
        ),
        _ => return Err(not_for(config, "a classifier")),
    })
}

/// Training and extended trajectories of a dynamics run: the built-in spiral, or the CSV's
/// trajectories (no extended range).
pub fn dynamics_data(config: &RunConfig) -> Result<(Vec<Series>, Option<Series>), TrainError> {
    let seq_len = config.task.dynamics().map_or(2, |d| d.seq_len);
    match config.task.data() {
        Some(path) => Ok((neurode_datasets::load_series(path, seq_len)?, None)),
        None => {
            let d = SpiralDataConfig::default().generate(&SpiralSystem::PAPER)?;
            Ok((vec![d.train], Some(d.extended)))
        }
    }
}

/// Train and test points of a classification run (the two spirals, or the CSV's points),
/// split by `test_fraction` with the run's data seed.
pub fn classify_data(config: &RunConfig) -> Result<(Labeled, Labeled), TrainError> {
    let TaskConfig::Classify(task) = &config.task else {
        return Err(not_for(config, "classification data"));
    };
    let all = match &task.data {
        Some(path) => neurode_datasets::load_labeled(path, 2)?,
        None => TwoSpirals::default().generate(config.data_seed)?,
    };
    Ok(all.split(task.test_fraction, config.data_seed)?)
}

/// The continuous normalizing flow of a density run on `dim`-dimensional points: FFJORD's
/// concat-squash MLP (`layers − 1` hidden layers of `hidden`), regularised when the run uses
/// RNODE.
pub fn flow_model(
    config: &RunConfig,
    dim: usize,
    device: &Device,
) -> Result<Cnf<ConcatSquashMlp>, TrainError> {
    let (Some(task), AnyArch::Density(FlowArch::Cnf(size))) =
        (config.task.density(), config.task.arch())
    else {
        return Err(not_for(config, "a flow"));
    };
    let hidden = vec![size.hidden; size.layers.saturating_sub(1)];
    let field = ConcatSquashConfig::new().with_hidden(hidden).init(
        dim,
        &mut Init::new(config.seed),
        device,
    )?;
    let solve = FlowSolve {
        time: task.flow.time,
        solver: solve_options(config),
        gradient: gradient_method(config),
    };
    Ok(Cnf::new(field, Trace::Exact, task.flow.rnode.is_some()).with_solve(solve)?)
}

/// Training data and held-out points of a density run: the built-in distribution (fresh
/// points each iteration; held-out points drawn from the data seed) or the CSV's points split
/// by `test_fraction`.
pub fn density_data(config: &RunConfig) -> Result<(DensityData, Labeled), TrainError> {
    let Some(task) = config.task.density() else {
        return Err(not_for(config, "density data"));
    };
    match &task.data {
        Some(path) => {
            let all = neurode_datasets::load_points(path, 2)?;
            let (train, test) = all.split(task.test_fraction, config.data_seed)?;
            Ok((DensityData::Points(train), test))
        }
        None => {
            let flow = &task.flow;
            let data = DensityData::Toy(flow.dataset);
            // Held-out points from a stream no training batch uses.
            let test = data.draw(flow.test_points, step_seed(config.data_seed, u64::MAX))?;
            Ok((data, test))
        }
    }
}

/// The sequence model of a sequence run: `hidden` units of an LTC or of the input-concatenated
/// Neural ODE, read out linearly, with the run's solver and gradient method.
pub fn sequence_model(
    config: &RunConfig,
    data: &DrivenSequences,
    device: &Device,
) -> Result<SequenceNet, TrainError> {
    let mut init = Init::new(config.seed);
    let AnyArch::Sequence(arch) = config.task.arch() else {
        return Err(not_for(config, "a sequence model"));
    };
    let inputs = data.input_dim;
    let (solver, gradient) = (solve_options(config), gradient_method(config));
    let read_out = (data.output_dim, solver, gradient);
    Ok(match arch {
        SequenceArch::InputOde { units } => {
            let cell = InputOdeConfig::new().with_units(units).with_inputs(inputs);
            let cell = cell.init(&mut init, device)?;
            SequenceNet::InputOde(read_out_linearly(cell, units, &mut init, read_out, device)?)
        }
        SequenceArch::Ltc { units } => {
            let cell = LtcConfig::new().with_units(units).with_inputs(inputs);
            let cell = cell.init(&mut init, device)?;
            SequenceNet::Ltc(read_out_linearly(cell, units, &mut init, read_out, device)?)
        }
    })
}

/// `cell` of `units` units read out linearly to `outputs` (the readout's parameters drawn
/// after the cell's), solved by `solver`, differentiated by `gradient`.
fn read_out_linearly<C: DrivenCell>(
    cell: C,
    units: usize,
    init: &mut Init,
    (outputs, solver, gradient): (usize, SolveOptions, GradientMethod),
    device: &Device,
) -> Result<SequenceModel<C>, TrainError> {
    let readout = init.linear(units, outputs, LayerInit::Uniform, device);
    Ok(SequenceModel::new(cell, readout, solver, gradient)?)
}

/// Training and held-out sequences of a sequence run: 32 and 16 sequences of the driven
/// oscillator, from the data seed.
pub fn sequence_data(config: &RunConfig) -> Result<(DrivenSequences, DrivenSequences), TrainError> {
    let osc = DrivenOscillator::default();
    Ok((
        osc.generate(32, config.data_seed)?,
        osc.generate(16, step_seed(config.data_seed, u64::MAX))?,
    ))
}

/// The error for building `what` from another task's config.
fn not_for(config: &RunConfig, what: &str) -> TrainError {
    TrainError::Invalid {
        setting: neurode_train::Setting::Task,
        value: format!("{} (asked for {what})", config.kind().name()),
        expected: "the task whose model or data is built",
    }
}
