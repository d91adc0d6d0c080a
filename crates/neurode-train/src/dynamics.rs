//! The trajectory-regression loop of paper 000.

use std::time::Instant;

use burn::Tensor;
use burn::module::Module;
use burn::tensor::{Device, TensorData};
use neurode_adjoint::AdjointError;
use neurode_datasets::{SegmentSampler, Series};
use neurode_models::{
    Dynamics, ModelError, NeuralOde, load_record, load_torch_weights, param_size,
};

use crate::build::{dynamics_data, dynamics_model, model_name, run_device, step_seed};
use crate::metrics;
use crate::run::{Book, TrainOptions};
use crate::step::{StepOutput, TimeWeighting, regression_step};
use crate::{MetricsRow, RunConfig, RunDir, Summary, TrainError};

/// Trains a Neural ODE on trajectory data (the built-in spiral or `config.data`), writing the
/// run folder `dir`. Returns the summary; a divergence or solver failure returns the error
/// after writing the summary and keeping the best checkpoint.
pub fn train_dynamics(
    config: &RunConfig,
    dir: &RunDir,
    opts: &TrainOptions,
) -> Result<Summary, TrainError> {
    config.validate()?;
    let device = run_device(config)?;
    let ad = device.clone().autodiff();
    let (series, extended) = dynamics_data(config)?;
    let horizon = series
        .iter()
        .map(|s| s.ts[s.len() - 1])
        .fold(f64::MIN, f64::max);
    let mut model = dynamics_model(config, &series, &ad)?;
    let size = param_size(&model);
    // PyTorch weights of a fresh run, checked before the run folder is created.
    if let Some(init) = config.init.as_ref().filter(|_| !opts.resume) {
        model = load_torch_weights(model, init)?;
    }
    let mut book = Book::start(config, dir, opts)?;
    if let Some(state) = book.resume_state.take() {
        model = load_record(model, &dir.root.join("checkpoint").join(&state.model_file))?;
        book.restore(state);
    }
    let eval = Evaluator {
        series: &series,
        extended: extended.as_ref(),
        train_end: horizon,
        device: &device,
    };
    let progress = crate::Progress::new(config.iters, book.step, "it", opts.quiet);
    let outcome = (|| -> Result<(), TrainError> {
        if book.rows.is_empty() {
            let row = eval
                .evaluate(&model.valid())
                .map_err(|e| classify_failure(e, 0))?;
            book.evaluated_initial(row, &model, dir)?;
        }
        while book.step < config.iters {
            let it = book.step + 1;
            let started = Instant::now();
            let batch = SegmentSampler::new(
                config.batch_size,
                config.seq_len,
                step_seed(config.seed, it),
            )?
            .sample(&series)?;
            let weighting = config
                .time_weighted
                .map(|alpha| TimeWeighting { alpha, horizon });
            let StepOutput { loss, grads, nfe } = regression_step(&model, &batch, weighting, &ad)
                .map_err(|e| classify_failure(e, it))?;
            if !loss.is_finite() {
                return Err(TrainError::Diverged {
                    iteration: it,
                    what: "the training loss",
                    value: loss,
                });
            }
            let (next, info) = book.adam.step(model.clone(), &grads, book.schedule.lr);
            model = next;
            if !info.grad_norm.is_finite() {
                return Err(TrainError::Diverged {
                    iteration: it,
                    what: "the gradient norm",
                    value: info.grad_norm,
                });
            }
            book.record_step(loss, nfe, started.elapsed().as_secs_f64());
            let mut test = None;
            if it % config.eval_every == 0 || it == config.iters {
                let row = eval
                    .evaluate(&model.valid())
                    .map_err(|e| classify_failure(e, it))?;
                test = Some(row.test_loss);
                book.evaluated(row, &model, dir, config)?;
            }
            progress.tick(loss, test, nfe, book.schedule.lr);
        }
        Ok(())
    })();
    progress.finish();
    // Every evaluation so far is kept, whatever stopped the run.
    dir.write_metrics(&book.rows)?;
    let summary = book.summary(
        &outcome,
        model_name(config),
        size,
        &device,
        config.loss_threshold,
    );
    dir.write_summary(&summary)?;
    if opts.figures {
        let best = load_record(dynamics_model(config, &series, &device)?, &dir.best()).ok();
        let final_model = model.valid();
        let shown = best.as_ref().unwrap_or(&final_model);
        let drawn = crate::figures::dynamics_figures(
            dir,
            &book.rows,
            shown,
            &series[0],
            extended.as_ref(),
            &device,
        );
        // After a failure the run's own error is the one to report.
        if outcome.is_ok() {
            drawn?;
        }
    }
    outcome.map(|_| summary)
}

/// Solver failures become `SolverFailed`; everything else passes through.
fn classify_failure(e: TrainError, iteration: u64) -> TrainError {
    match e {
        TrainError::Model(
            m @ (ModelError::Solve(_)
            | ModelError::Gradient(AdjointError::Forward(_))
            | ModelError::Gradient(AdjointError::Backward { .. })),
        ) => TrainError::SolverFailed {
            iteration,
            source: m,
        },
        other => other,
    }
}

/// Test metrics of a (tape-free) model.
struct Evaluator<'a> {
    series: &'a [Series],
    extended: Option<&'a Series>,
    train_end: f64,
    device: &'a Device,
}

impl Evaluator<'_> {
    fn evaluate(&self, model: &NeuralOde<Dynamics>) -> Result<MetricsRow, TrainError> {
        let (mut mse_sum, mut drift_sum) = (0.0, 0.0);
        for s in self.series {
            let pred = predict(model, s, self.device)?;
            mse_sum += metrics::mse(&pred, &s.values);
            drift_sum += metrics::drift_ratio(&pred, &s.values, s.dim);
        }
        let n = self.series.len() as f64;
        let (extrap, beyond) = match self.extended {
            Some(ext) => {
                let pred = predict(model, ext, self.device)?;
                let first = ext
                    .ts
                    .iter()
                    .position(|&t| t > self.train_end)
                    .unwrap_or(ext.len());
                let d = ext.dim;
                (
                    Some(metrics::mae(&pred, &ext.values)),
                    Some(metrics::mae(&pred[first * d..], &ext.values[first * d..])),
                )
            }
            None => (None, None),
        };
        Ok(MetricsRow {
            test_loss: mse_sum / n,
            drift_ratio: Some(drift_sum / n),
            extrap_mae: extrap,
            beyond_mae: beyond,
            ..MetricsRow::blank()
        })
    }
}

/// The model's trajectory from the series' first state at its times, `[len, dim]` row-major.
pub fn predict(
    model: &NeuralOde<Dynamics>,
    s: &Series,
    device: &Device,
) -> Result<Vec<f64>, TrainError> {
    let y0 = Tensor::<2>::from_data(TensorData::new(s.row(0).to_vec(), [1, s.dim]), device);
    let out = model.forward(y0, &s.ts)?;
    Ok(out.ys.to_data().iter::<f64>().collect())
}
