//! From a [`RunConfig`] to a device, data and a model.

use neurode_adjoint::{AdjointOptions, CheckpointOptions, GradientMethod};
use neurode_backend::Device;
use neurode_datasets::{
    DrivenOscillator, DrivenSequences, Labeled, Series, SpiralDataConfig, SpiralSystem, TwoSpirals,
};
use neurode_models::{
    Activation, CnfField, ConcatSquashConfig, ConcatSquashMlp, DenseConfig, Dynamics,
    DynamicsConfig, Init, InputOdeConfig, LayerInit, LtcConfig, NeuralOde, NeuralOdeConfig,
    OdeClassifierConfig, Preset, ResNetMlpConfig, SequenceModel, Trace,
};
use neurode_solvers::{Adaptive, SolveOptions, Stepping};

use crate::{GradientKind, ModelKind, RunConfig};
use neurode_train::{Classifier, DensityData, SequenceNet, TrainError, step_seed};

/// The device of a run (plain; `.autodiff()` for training).
pub fn run_device(config: &RunConfig) -> Result<Device, TrainError> {
    Ok(neurode_backend::device(config.backend, config.precision)?)
}

/// The forward solver options of a run.
pub fn solve_options(config: &RunConfig) -> SolveOptions {
    let stepping = match config.steps {
        Some(n) => Stepping::Steps(n),
        None => Stepping::Adaptive(
            Adaptive::new(config.rtol, config.atol).with_controller(config.controller.settings()),
        ),
    };
    SolveOptions::new()
        .with_method(config.solver)
        .with_stepping(stepping)
}

/// The gradient method of a run (the adjoint solves backwards with the forward tolerances
/// and solver, like torchdiffeq's `odeint_adjoint` by default).
pub fn gradient_method(config: &RunConfig) -> GradientMethod {
    match config.gradient {
        GradientKind::Backprop => GradientMethod::Backprop,
        GradientKind::Adjoint => GradientMethod::Adjoint(adjoint_options(config)),
        GradientKind::Interpolated => GradientMethod::Interpolated(adjoint_options(config)),
        GradientKind::Checkpoint => GradientMethod::Checkpointed(
            CheckpointOptions::new().with_checkpoints(config.gradient_checkpoints),
        ),
    }
}

/// The backward solve of the adjoint methods: the forward solver and tolerances.
fn adjoint_options(config: &RunConfig) -> AdjointOptions {
    AdjointOptions::new()
        .with_solve(solve_options(config))
        .with_seminorm(config.seminorm)
}

/// The dynamics architecture of a dynamics-task config.
pub fn dynamics_config(config: &RunConfig) -> DynamicsConfig {
    let preset = |p: Preset| p.config();
    match config.model {
        ModelKind::Baseline => preset(Preset::Baseline),
        ModelKind::Compact32 => preset(Preset::Compact32),
        ModelKind::Compact64 => preset(Preset::Compact64),
        ModelKind::Compact96 => preset(Preset::Compact96),
        ModelKind::TimeAware64 => preset(Preset::TimeAware64),
        ModelKind::Dense => DynamicsConfig::Dense(
            DenseConfig::new()
                .with_width(config.hidden)
                .with_layers(config.layers)
                .with_activation(Activation::Tanh),
        ),
        ModelKind::Residual64
        | ModelKind::Ode
        | ModelKind::Resnet
        | ModelKind::Cnf
        | ModelKind::Ltc
        | ModelKind::InputOde => preset(Preset::Residual64),
    }
}

/// The paper name of a run's model.
pub fn model_name(config: &RunConfig) -> String {
    let base = match config.model {
        ModelKind::Baseline => Preset::Baseline.paper_name().to_string(),
        ModelKind::Compact32 => Preset::Compact32.paper_name().to_string(),
        ModelKind::Compact64 => Preset::Compact64.paper_name().to_string(),
        ModelKind::Compact96 => Preset::Compact96.paper_name().to_string(),
        ModelKind::Residual64 => Preset::Residual64.paper_name().to_string(),
        ModelKind::TimeAware64 => Preset::TimeAware64.paper_name().to_string(),
        ModelKind::Dense => format!("Dense-{}-L{}", config.hidden, config.layers),
        ModelKind::Ode => format!("Neural ODE ({})", config.solver),
        ModelKind::Resnet => "ResNet-MLP".to_string(),
        ModelKind::Ltc => format!("LTC-{}", config.hidden),
        ModelKind::InputOde => format!("Input ODE-{}", config.hidden),
        ModelKind::Cnf => format!(
            "CNF (concat-squash {})",
            vec![config.hidden.to_string(); config.layers.saturating_sub(1)].join("-")
        ),
    };
    if config.augment > 0 {
        format!("{base} + ANODE({})", config.augment)
    } else {
        base
    }
}

/// The Neural ODE of a dynamics run on `device`, for trajectories like `series` (their
/// dimension; with a fixed-step solver, `steps` steps per smallest sample spacing).
pub fn dynamics_model(
    config: &RunConfig,
    series: &[Series],
    device: &Device,
) -> Result<NeuralOde<Dynamics>, TrainError> {
    let dim = series.first().map_or(2, |s| s.dim);
    let mut solver = solve_options(config);
    if let Some(k) = config.steps {
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
    Ok(NeuralOdeConfig::new(dynamics_config(config))
        .with_dim(dim)
        .with_augment(config.augment)
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
    Ok(match config.model {
        ModelKind::Resnet => Classifier::Resnet(
            ResNetMlpConfig::new()
                .with_input_dim(input_dim)
                .with_classes(classes)
                .init(config.seed, device)?,
        ),
        _ => Classifier::Ode(
            OdeClassifierConfig::new()
                .with_input_dim(input_dim)
                .with_classes(classes)
                .with_solver(solve_options(config))
                .with_gradient(gradient_method(config))
                .init(config.seed, device)?,
        ),
    })
}

/// Training and extended trajectories of a dynamics run: the built-in spiral, or the CSV's
/// trajectories (no extended range).
pub fn dynamics_data(config: &RunConfig) -> Result<(Vec<Series>, Option<Series>), TrainError> {
    match &config.data {
        Some(path) => Ok((neurode_datasets::load_series(path, config.seq_len)?, None)),
        None => {
            let d = SpiralDataConfig::default().generate(&SpiralSystem::PAPER)?;
            Ok((vec![d.train], Some(d.extended)))
        }
    }
}

/// Train and test points of a classification run (the two spirals, or the CSV's points),
/// split by `test_fraction` with the run's data seed.
pub fn classify_data(config: &RunConfig) -> Result<(Labeled, Labeled), TrainError> {
    let all = match &config.data {
        Some(path) => neurode_datasets::load_labeled(path, 2)?,
        None => TwoSpirals::default().generate(config.data_seed)?,
    };
    Ok(all.split(config.test_fraction, config.data_seed)?)
}

/// The continuous normalizing flow of a density run on `dim`-dimensional points: FFJORD's
/// concat-squash MLP (`layers − 1` hidden layers of `hidden`), regularised when the run uses
/// RNODE.
pub fn flow_model(
    config: &RunConfig,
    dim: usize,
    device: &Device,
) -> Result<CnfField<ConcatSquashMlp>, TrainError> {
    let hidden = vec![config.hidden; config.layers.saturating_sub(1)];
    let field = ConcatSquashConfig::new().with_hidden(hidden).init(
        dim,
        &mut Init::new(config.seed),
        device,
    )?;
    Ok(CnfField::new(
        field,
        Trace::Exact,
        config.flow().rnode.is_some(),
    ))
}

/// Training data and held-out points of a density run: the built-in distribution (fresh
/// points each iteration; held-out points drawn from the data seed) or the CSV's points split
/// by `test_fraction`.
pub fn density_data(config: &RunConfig) -> Result<(DensityData, Labeled), TrainError> {
    match &config.data {
        Some(path) => {
            let all = neurode_datasets::load_points(path, 2)?;
            let (train, test) = all.split(config.test_fraction, config.data_seed)?;
            Ok((DensityData::Points(train), test))
        }
        None => {
            let flow = config.flow();
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
    let (units, inputs) = (config.hidden, data.input_dim);
    let (solver, gradient) = (solve_options(config), gradient_method(config));
    Ok(match config.model {
        ModelKind::InputOde => {
            let cell = InputOdeConfig::new()
                .with_units(units)
                .with_inputs(inputs)
                .init(&mut init, device)?;
            let readout = init.linear(units, data.output_dim, LayerInit::Uniform, device);
            SequenceNet::InputOde(SequenceModel::new(cell, readout, solver, gradient)?)
        }
        _ => {
            let cell = LtcConfig::new()
                .with_units(units)
                .with_inputs(inputs)
                .init(&mut init, device)?;
            let readout = init.linear(units, data.output_dim, LayerInit::Uniform, device);
            SequenceNet::Ltc(SequenceModel::new(cell, readout, solver, gradient)?)
        }
    })
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
