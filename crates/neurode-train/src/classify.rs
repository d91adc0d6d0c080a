//! The classification loop of paper 003.

use std::time::Instant;

use burn::Tensor;
use burn::module::Module;
use burn::tensor::{Device, Int, TensorData};
use neurode_datasets::Labeled;
use neurode_models::{load_record, load_torch_weights, param_size};
use rand::{SeedableRng, rngs::StdRng};

use crate::build::{Classifier, classifier, classify_data, model_name, run_device, step_seed};
use crate::loss::cross_entropy;
use crate::metrics;
use crate::run::{Book, TrainOptions};
use crate::step::{StepOutput, classification_step};
use crate::{MetricsRow, RunConfig, RunDir, Summary, TrainError};

impl Classifier {
    /// Logits and the ODE block's gradient handle (`None` for the ResNet).
    pub(crate) fn logits(
        &self,
        x: Tensor<2>,
    ) -> Result<(Tensor<2>, Option<neurode_models::ClassifierOutput>), TrainError> {
        Ok(match self {
            Classifier::Ode(m) => {
                let out = m.forward(x)?;
                (out.logits.clone(), Some(out))
            }
            Classifier::Resnet(m) => (m.forward(x)?, None),
        })
    }

    /// Logits `[n, classes]` on the host (tape-free model).
    pub fn predict(&self, x: &[f64], dim: usize, device: &Device) -> Result<Vec<f64>, TrainError> {
        let n = x.len() / dim;
        let x = Tensor::<2>::from_data(TensorData::new(x.to_vec(), [n, dim]), device);
        Ok(self.logits(x)?.0.to_data().iter::<f64>().collect())
    }
}

/// Trains a classifier (the two spirals or `config.data`), writing the run folder `dir`.
pub fn train_classifier(
    config: &RunConfig,
    dir: &RunDir,
    opts: &TrainOptions,
) -> Result<Summary, TrainError> {
    config.validate()?;
    let device = run_device(config)?;
    let ad = device.clone().autodiff();
    let (train, test) = classify_data(config)?;
    let classes = train.classes().max(test.classes()).max(2);
    let mut model = classifier(config, train.dim, classes, &ad)?;
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
    let progress = crate::Progress::new(config.epochs, book.step, "epoch", opts.quiet);
    let outcome = (|| -> Result<(), TrainError> {
        if book.rows.is_empty() {
            let row = evaluate(&model.valid(), &train, &test, &device)?;
            book.evaluated_initial(row, &model, dir)?;
        }
        while book.step < config.epochs {
            let epoch = book.step + 1;
            let started = Instant::now();
            let mut rng = StdRng::seed_from_u64(step_seed(config.seed, epoch));
            let (mut loss_sum, mut nfe) = (0.0, (0, 0));
            let batches = train.shuffled_batches(config.batch_size, &mut rng);
            for idx in &batches {
                let (x, y) = train.select(idx).tensors(&ad);
                let StepOutput {
                    loss,
                    grads,
                    nfe: n,
                } = classification_step(&model, x, y)?;
                if !loss.is_finite() {
                    return Err(TrainError::Diverged {
                        iteration: epoch,
                        what: "the training loss",
                        value: loss,
                    });
                }
                let (next, info) = book.adam.step(model.clone(), &grads, book.schedule.lr);
                model = next;
                if !info.grad_norm.is_finite() {
                    return Err(TrainError::Diverged {
                        iteration: epoch,
                        what: "the gradient norm",
                        value: info.grad_norm,
                    });
                }
                loss_sum += loss;
                nfe = (nfe.0 + n.0, nfe.1 + n.1);
            }
            book.schedule.advance(&config.schedule);
            book.record_step(
                loss_sum / batches.len() as f64,
                nfe,
                started.elapsed().as_secs_f64(),
            );
            let mut test_loss = None;
            if epoch % config.eval_every == 0 || epoch == config.epochs {
                let row = evaluate(&model.valid(), &train, &test, &device)?;
                test_loss = Some(row.test_loss);
                book.evaluated(row, &model, dir, config)?;
            }
            progress.tick(
                loss_sum / batches.len() as f64,
                test_loss,
                nfe,
                book.schedule.lr,
            );
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
        let plain = model.valid();
        let drawn =
            crate::figures::classify_figures(dir, &book.rows, &plain, &train, &test, &device);
        if outcome.is_ok() {
            drawn?;
        }
    }
    outcome.map(|_| summary)
}

/// Train/test accuracy and the test cross-entropy.
fn evaluate(
    model: &Classifier,
    train: &Labeled,
    test: &Labeled,
    device: &Device,
) -> Result<MetricsRow, TrainError> {
    let train_logits = model.predict(&train.x, train.dim, device)?;
    let test_logits = model.predict(&test.x, test.dim, device)?;
    let classes = test_logits.len() / test.len().max(1);
    let logits = Tensor::<2>::from_data(
        TensorData::new(test_logits.clone(), [test.len(), classes]),
        device,
    );
    let labels: Vec<i64> = test.labels.iter().map(|&l| l as i64).collect();
    let labels = Tensor::<1, Int>::from_data(TensorData::new(labels, [test.len()]), device);
    let test_loss: f64 = cross_entropy(logits, labels).into_scalar();
    Ok(MetricsRow {
        test_loss,
        train_acc: Some(metrics::accuracy(&train_logits, &train.labels)),
        test_acc: Some(metrics::accuracy(&test_logits, &test.labels)),
        ..MetricsRow::blank()
    })
}
