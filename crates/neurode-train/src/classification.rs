//! Classification (paper 003): a model maps points to class logits, trained by cross-entropy
//! over shuffled mini-batches, one epoch per step.

use std::marker::PhantomData;

use burn::Tensor;
use burn::module::Module;
use burn::optim::GradientsParams;
use burn::tensor::{Device, Int, TensorData};
use neurode_datasets::Labeled;
use neurode_models::{OdeClassifier, ResNetMlp};
use rand::{SeedableRng, rngs::StdRng};

use crate::loss::cross_entropy;
use crate::{Draw, MetricsRow, Nfe, StepOutput, Task, TrainError, metrics};

/// A model that maps points `[batch, features]` to logits `[batch, classes]`.
///
/// Any Burn module works with the default [`step`](ClassifierModel::step), which
/// backpropagates through Burn's tape; models with an ODE block solved by the adjoint override
/// it to use their own gradient method.
pub trait ClassifierModel: Module {
    /// Logits of `x`.
    fn logits(&self, x: Tensor<2>) -> Result<Tensor<2>, TrainError>;

    /// Mean cross-entropy of one batch and the gradient of every parameter (the model on an
    /// autodiff device).
    fn step(&self, x: Tensor<2>, labels: Tensor<1, Int>) -> Result<StepOutput, TrainError> {
        let loss = cross_entropy(self.logits(x)?, labels);
        let value: f64 = loss.clone().into_scalar();
        let grads = if value.is_finite() {
            GradientsParams::from_grads(loss.backward(), self)
        } else {
            GradientsParams::new()
        };
        Ok(StepOutput {
            loss: value,
            grads,
            nfe: Nfe::default(),
        })
    }
}

impl ClassifierModel for OdeClassifier {
    fn logits(&self, x: Tensor<2>) -> Result<Tensor<2>, TrainError> {
        Ok(self.forward(x)?.logits)
    }

    /// The ODE block by its own gradient method (backprop or the adjoint), the layers around
    /// it by the tape.
    fn step(&self, x: Tensor<2>, labels: Tensor<1, Int>) -> Result<StepOutput, TrainError> {
        let out = self.forward(x)?;
        let loss = cross_entropy(out.logits.clone(), labels);
        let value: f64 = loss.clone().into_scalar();
        if !value.is_finite() {
            return Ok(StepOutput::non_finite(value, out.stats.nfe));
        }
        let g = out.backward(loss, self)?;
        Ok(StepOutput::of_gradients(value, g))
    }
}

impl ClassifierModel for ResNetMlp {
    fn logits(&self, x: Tensor<2>) -> Result<Tensor<2>, TrainError> {
        Ok(self.forward(x)?)
    }
}

impl ClassifierModel for Classifier {
    fn logits(&self, x: Tensor<2>) -> Result<Tensor<2>, TrainError> {
        match self {
            Classifier::Ode(m) => m.logits(x),
            Classifier::Resnet(m) => m.logits(x),
        }
    }

    fn step(&self, x: Tensor<2>, labels: Tensor<1, Int>) -> Result<StepOutput, TrainError> {
        match self {
            Classifier::Ode(m) => m.step(x, labels),
            Classifier::Resnet(m) => m.step(x, labels),
        }
    }
}

/// One mini-batch of classification: the mean cross-entropy of `model`'s logits on `x`
/// against `labels`, and its gradients (the model on an autodiff device).
pub fn classification_step<C: ClassifierModel>(
    model: &C,
    x: Tensor<2>,
    labels: Tensor<1, Int>,
) -> Result<StepOutput, TrainError> {
    model.step(x, labels)
}

/// Logits `[n, classes]` of a model on the host, for points `x` (`[n, dim]` row-major).
pub fn predict_logits<C: ClassifierModel>(
    model: &C,
    x: &[f64],
    dim: usize,
    device: &Device,
) -> Result<Vec<f64>, TrainError> {
    let n = x.len() / dim.max(1);
    let x = Tensor::<2>::from_data(TensorData::new(x.to_vec(), [n, dim]), device);
    Ok(model.logits(x)?.to_data().iter::<f64>().collect())
}

/// Learn to classify `train` in shuffled mini-batches of `batch_size` points, one epoch per
/// step (the last batch holds the rest); evaluate train and test accuracy and the test
/// cross-entropy.
#[derive(Debug)]
pub struct Classification<C> {
    /// The training points.
    pub train: Labeled,
    /// The test points (the training points again for paper 003's all-points protocol).
    pub test: Labeled,
    /// Points per batch.
    pub batch_size: usize,
    /// The autodiff device of training.
    pub device: Device,
    model: PhantomData<fn() -> C>,
}

impl<C> Classification<C> {
    /// Batches of `batch_size` points of `train`, metrics on `test`, on the autodiff version of
    /// `device`.
    pub fn new(train: Labeled, test: Labeled, batch_size: usize, device: &Device) -> Self {
        Self {
            train,
            test,
            batch_size,
            device: device.clone().autodiff(),
            model: PhantomData,
        }
    }
}

impl<C: ClassifierModel> Task for Classification<C> {
    type Model = C;
    type Batch = (Tensor<2>, Tensor<1, Int>);

    fn batches(&self, draw: Draw) -> Result<Vec<Self::Batch>, TrainError> {
        self.window(draw.horizon)?;
        let mut rng = StdRng::seed_from_u64(draw.step_seed());
        Ok(self
            .train
            .shuffled_batches(self.batch_size, &mut rng)
            .iter()
            .map(|idx| self.train.select(idx).tensors(&self.device))
            .collect())
    }

    fn step(&self, model: &C, (x, y): &Self::Batch) -> Result<StepOutput, TrainError> {
        model.step(x.clone(), y.clone())
    }

    fn evaluate(&self, model: &C) -> Result<MetricsRow, TrainError> {
        let plain = self.device.clone().inner();
        let train_logits = predict_logits(model, &self.train.x, self.train.dim, &plain)?;
        let test_logits = predict_logits(model, &self.test.x, self.test.dim, &plain)?;
        let n = self.test.len();
        let classes = test_logits.len() / n.max(1);
        let logits =
            Tensor::<2>::from_data(TensorData::new(test_logits.clone(), [n, classes]), &plain);
        let labels: Vec<i64> = self.test.labels.iter().map(|&l| l as i64).collect();
        let labels = Tensor::<1, Int>::from_data(TensorData::new(labels, [n]), &plain);
        Ok(MetricsRow {
            test_loss: cross_entropy(logits, labels).into_scalar(),
            train_acc: Some(metrics::accuracy(&train_logits, &self.train.labels)),
            test_acc: Some(metrics::accuracy(&test_logits, &self.test.labels)),
            ..MetricsRow::blank()
        })
    }
}

/// A classification model of either kind.
#[derive(burn::module::Module, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Classifier {
    /// The Neural ODE classifier.
    Ode(neurode_models::OdeClassifier),
    /// The ResNet-MLP baseline.
    Resnet(neurode_models::ResNetMlp),
}

impl neurode_models::TorchNames for Classifier {
    fn torch_layers(&self) -> Vec<(String, String)> {
        match self {
            Classifier::Ode(m) => m.torch_layers(),
            Classifier::Resnet(m) => m.torch_layers(),
        }
    }
}
