//! The models a run can train: one enum per task, each variant carrying the sizes it has (a
//! preset has none). The command line takes their names through [`AnyArch`], a value of any
//! task's enum, and checks it against the run's task with [`AnyArch::fits`].

use neurode_models::Preset;
use serde::{Deserialize, Serialize};

use crate::TaskKind;

/// A dense MLP's size (width × affine layers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DenseSize {
    /// Hidden width.
    pub hidden: usize,
    /// Affine layers (at least 2).
    pub layers: usize,
}

/// The model of the dynamics task: paper 000's named architectures, or a dense MLP of any size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DynamicsArch {
    /// A dense MLP of `hidden` × `layers` (tanh), e.g. `{ dense = { hidden = 64, layers = 3 } }`.
    Dense(DenseSize),
    /// One of paper 000's architectures by its name (`"residual64"`, …).
    #[serde(untagged)]
    Preset(Preset),
}

/// The model of the classify task (paper 003).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClassifierArch {
    /// The Neural ODE classifier (its solver is the run's).
    Ode,
    /// The ResNet-MLP.
    Resnet,
}

/// The model of the density task: a continuous normalizing flow on FFJORD's concat-squash MLP
/// (`layers` affine layers, `hidden` wide; FFJORD's 2-D toys: 64-64-64, i.e. 4 layers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FlowArch {
    /// The concat-squash CNF.
    Cnf(DenseSize),
}

/// The model of the sequence task (paper 003's liquid networks), `units` hidden units read out
/// linearly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub enum SequenceArch {
    /// A liquid time-constant network.
    Ltc {
        /// Hidden units.
        units: usize,
    },
    /// The same-size Neural ODE with its input concatenated to the state
    /// (`dh/dt = −h/τ + tanh(h W_r + x W_s + b)`).
    #[serde(alias = "inputode")]
    InputOde {
        /// Hidden units.
        units: usize,
    },
}

/// A model of any task: what a command line's model name means before the task is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnyArch {
    /// A dynamics model.
    Dynamics(DynamicsArch),
    /// A classifier.
    Classify(ClassifierArch),
    /// A flow.
    Density(FlowArch),
    /// A sequence model.
    Sequence(SequenceArch),
}

/// The sizes a model takes when only its name is given.
const DENSE: DenseSize = DenseSize {
    hidden: 64,
    layers: 3,
};

impl DynamicsArch {
    /// Every dynamics model, in Table 1's order, then the dense MLP (64 × 3).
    pub const ALL: [DynamicsArch; 7] = [
        DynamicsArch::Preset(Preset::Baseline),
        DynamicsArch::Preset(Preset::Compact32),
        DynamicsArch::Preset(Preset::Compact64),
        DynamicsArch::Preset(Preset::Compact96),
        DynamicsArch::Preset(Preset::Residual64),
        DynamicsArch::Preset(Preset::TimeAware64),
        DynamicsArch::Dense(DENSE),
    ];
}

impl ClassifierArch {
    /// Both classifiers.
    pub const ALL: [ClassifierArch; 2] = [ClassifierArch::Ode, ClassifierArch::Resnet];
}

impl FlowArch {
    /// FFJORD's 2-D toy flow (64-64-64).
    pub const ALL: [FlowArch; 1] = [FlowArch::Cnf(DenseSize {
        hidden: 64,
        layers: 4,
    })];
}

impl SequenceArch {
    /// Both sequence models, 16 units.
    pub const ALL: [SequenceArch; 2] = [
        SequenceArch::Ltc { units: 16 },
        SequenceArch::InputOde { units: 16 },
    ];
}

impl AnyArch {
    /// Every model of every task, by task (with the sizes each enum's `ALL` gives).
    pub fn all() -> impl Iterator<Item = AnyArch> {
        let dynamics = DynamicsArch::ALL.map(AnyArch::Dynamics);
        let classify = ClassifierArch::ALL.map(AnyArch::Classify);
        let density = FlowArch::ALL.map(AnyArch::Density);
        let sequence = SequenceArch::ALL.map(AnyArch::Sequence);
        dynamics
            .into_iter()
            .chain(classify)
            .chain(density)
            .chain(sequence)
    }

    /// The task the model is for.
    pub fn task(self) -> TaskKind {
        match self {
            AnyArch::Dynamics(_) => TaskKind::Dynamics,
            AnyArch::Classify(_) => TaskKind::Classify,
            AnyArch::Density(_) => TaskKind::Density,
            AnyArch::Sequence(_) => TaskKind::Sequence,
        }
    }

    /// Whether the model is for `task`.
    pub fn fits(self, task: TaskKind) -> bool {
        self.task() == task
    }

    /// The model's name (`residual64`, `dense`, `ode`, `cnf`, `input-ode`, …).
    pub fn name(self) -> &'static str {
        match self {
            AnyArch::Dynamics(DynamicsArch::Preset(p)) => p.name(),
            AnyArch::Dynamics(DynamicsArch::Dense(_)) => "dense",
            AnyArch::Classify(ClassifierArch::Ode) => "ode",
            AnyArch::Classify(ClassifierArch::Resnet) => "resnet",
            AnyArch::Density(FlowArch::Cnf(_)) => "cnf",
            AnyArch::Sequence(SequenceArch::Ltc { .. }) => "ltc",
            AnyArch::Sequence(SequenceArch::InputOde { .. }) => "input-ode",
        }
    }

    /// The model named `name` (as [`AnyArch::name`] writes it; `inputode` too), with the
    /// sizes of [`AnyArch::all`].
    pub fn from_name(name: &str) -> Option<AnyArch> {
        let name = if name == "inputode" {
            "input-ode"
        } else {
            name
        };
        AnyArch::all().find(|a| a.name() == name)
    }

    /// The names of `task`'s models, comma-separated (for messages).
    pub fn names_for(task: TaskKind) -> String {
        let names: Vec<&str> = AnyArch::all()
            .filter(|a| a.fits(task))
            .map(|a| a.name())
            .collect();
        names.join(", ")
    }

    /// Every task's models, for a message: "for the dynamics task: …; for the classify task: …".
    pub fn names_by_task() -> String {
        let tasks = [
            TaskKind::Dynamics,
            TaskKind::Classify,
            TaskKind::Density,
            TaskKind::Sequence,
        ];
        let parts: Vec<String> = tasks
            .iter()
            .map(|&t| format!("for the {} task: {}", t.name(), AnyArch::names_for(t)))
            .collect();
        parts.join("; ")
    }

    /// The hidden width (or units) the model has, if it has one.
    pub fn hidden(self) -> Option<usize> {
        match self {
            AnyArch::Dynamics(DynamicsArch::Dense(s)) | AnyArch::Density(FlowArch::Cnf(s)) => {
                Some(s.hidden)
            }
            AnyArch::Sequence(SequenceArch::Ltc { units } | SequenceArch::InputOde { units }) => {
                Some(units)
            }
            _ => None,
        }
    }

    /// The number of affine layers the model has, if it is set by the user.
    pub fn layers(self) -> Option<usize> {
        match self {
            AnyArch::Dynamics(DynamicsArch::Dense(s)) | AnyArch::Density(FlowArch::Cnf(s)) => {
                Some(s.layers)
            }
            _ => None,
        }
    }

    /// The model with `hidden` width (units); `None` when its width is fixed.
    pub fn with_hidden(self, hidden: usize) -> Option<AnyArch> {
        self.resized(|s| DenseSize { hidden, ..s }, Some(hidden))
    }

    /// The model with `layers` affine layers; `None` when its depth is fixed.
    pub fn with_layers(self, layers: usize) -> Option<AnyArch> {
        self.resized(|s| DenseSize { layers, ..s }, None)
    }

    /// The model with its dense size changed by `dense` and its units set to `units`; `None`
    /// when it has no such size.
    fn resized(self, dense: impl Fn(DenseSize) -> DenseSize, units: Option<usize>) -> Option<Self> {
        Some(match self {
            AnyArch::Dynamics(DynamicsArch::Dense(s)) => {
                AnyArch::Dynamics(DynamicsArch::Dense(dense(s)))
            }
            AnyArch::Density(FlowArch::Cnf(s)) => AnyArch::Density(FlowArch::Cnf(dense(s))),
            AnyArch::Sequence(SequenceArch::Ltc { .. }) => {
                AnyArch::Sequence(SequenceArch::Ltc { units: units? })
            }
            AnyArch::Sequence(SequenceArch::InputOde { .. }) => {
                AnyArch::Sequence(SequenceArch::InputOde { units: units? })
            }
            _ => return None,
        })
    }
}

impl From<Preset> for DynamicsArch {
    fn from(p: Preset) -> Self {
        DynamicsArch::Preset(p)
    }
}

/// `AnyArch::$variant(m)` from each task's model.
macro_rules! any_arch_from {
    ($($arch:ty => $variant:ident),*) => {$(
        impl From<$arch> for AnyArch {
            fn from(m: $arch) -> Self {
                AnyArch::$variant(m)
            }
        }
    )*};
}

any_arch_from!(
    DynamicsArch => Dynamics,
    ClassifierArch => Classify,
    FlowArch => Density,
    SequenceArch => Sequence
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_reads_back_and_every_task_has_a_model() {
        for a in AnyArch::all() {
            assert_eq!(AnyArch::from_name(a.name()), Some(a));
        }
        for t in [
            TaskKind::Dynamics,
            TaskKind::Classify,
            TaskKind::Density,
            TaskKind::Sequence,
        ] {
            assert!(!AnyArch::names_for(t).is_empty());
        }
        assert_eq!(
            AnyArch::names_for(TaskKind::Dynamics),
            "baseline, compact32, compact64, compact96, residual64, timeaware64, dense"
        );
    }

    #[test]
    fn models_read_and_write_as_names_or_sized_tables() {
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct M {
            model: DynamicsArch,
        }
        let preset = M {
            model: DynamicsArch::Preset(Preset::TimeAware64),
        };
        let text = toml::to_string(&preset).unwrap();
        assert_eq!(text.trim(), "model = \"timeaware64\"");
        assert_eq!(toml::from_str::<M>(&text).unwrap(), preset);
        let dense: M = toml::from_str("model = { dense = { hidden = 8, layers = 2 } }").unwrap();
        assert_eq!(
            dense.model,
            DynamicsArch::Dense(DenseSize {
                hidden: 8,
                layers: 2
            })
        );
        assert!(toml::from_str::<M>("model = \"ode\"").is_err());
    }
}
