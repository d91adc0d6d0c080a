//! A progress bar for long runs (indicatif), as an observer: step, loss, test loss, NFE,
//! learning rate, ETA.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use neurode_train::{Moment, Observer, Outcome, StepReport, TrainError, TrainState};

/// A terminal progress bar over a run's steps (hidden when quiet).
pub struct Progress {
    bar: ProgressBar,
}

/// What a run's steps are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// An optimizer step on one batch (dynamics, density, sequence tasks).
    Iteration,
    /// A pass over the training set (classification).
    Epoch,
}

impl Unit {
    /// The short name the bar shows.
    pub fn label(self) -> &'static str {
        match self {
            Unit::Iteration => "it",
            Unit::Epoch => "epoch",
        }
    }
}

impl Progress {
    /// A bar counting `unit`s on the terminal.
    pub fn new(unit: Unit) -> Self {
        Self::drawn_to(unit, ProgressDrawTarget::stderr())
    }

    /// A bar that draws nothing (quiet runs).
    pub fn hidden(unit: Unit) -> Self {
        Self::drawn_to(unit, ProgressDrawTarget::hidden())
    }

    fn drawn_to(unit: Unit, target: ProgressDrawTarget) -> Self {
        let bar = ProgressBar::with_draw_target(Some(0), target);
        let unit = unit.label();
        bar.set_style(
            ProgressStyle::with_template(&format!(
                "{{bar:30.cyan/blue}} {{pos}}/{{len}} {unit} {{msg}} [{{elapsed_precise}} < {{eta}}]"
            ))
            .expect("a valid template"),
        );
        Self { bar }
    }
}

impl<M> Observer<M> for Progress {
    fn started(&mut self, state: &TrainState, total: u64) -> Result<(), TrainError> {
        self.bar.set_length(total);
        self.bar.set_position(state.step);
        Ok(())
    }

    fn stepped(&mut self, r: &StepReport) {
        let test = r
            .test_loss
            .map_or(String::new(), |t| format!(" test {t:.4}"));
        let phase = match (r.phases, r.window) {
            (1, None) => String::new(),
            (1, Some(w)) => format!("window {w} "),
            (n, None) => format!("phase {}/{n} ", r.phase),
            (n, Some(w)) => format!("phase {}/{n} window {w} ", r.phase),
        };
        self.bar.set_message(format!(
            "{phase}loss {:.4}{test} nfe {}+{} lr {:.1e}",
            r.loss, r.nfe.forward, r.nfe.backward, r.lr
        ));
        self.bar.set_position(r.step);
    }

    fn finished(&mut self, _: Moment<'_, M>, _: &Outcome) -> Outcome {
        self.bar.finish_and_clear();
        Ok(())
    }
}
