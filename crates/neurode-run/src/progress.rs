//! A progress bar for long runs (indicatif), as an observer: step, loss, test loss, NFE,
//! learning rate, ETA.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use neurode_train::{Observer, StepReport, TrainError, TrainState};

/// A terminal progress bar over a run's steps (hidden when quiet).
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar counting `unit`s (`it`, `epoch`); nothing is drawn when `quiet`.
    pub fn new(unit: &str, quiet: bool) -> Self {
        let bar = if quiet {
            ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden())
        } else {
            ProgressBar::new(0)
        };
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
        let phase = match (r.phase, r.window) {
            ((_, 1), None) => String::new(),
            ((_, 1), Some(w)) => format!("window {w} "),
            ((k, n), None) => format!("phase {k}/{n} "),
            ((k, n), Some(w)) => format!("phase {k}/{n} window {w} "),
        };
        self.bar.set_message(format!(
            "{phase}loss {:.4}{test} nfe {}+{} lr {:.1e}",
            r.loss, r.nfe.0, r.nfe.1, r.lr
        ));
        self.bar.set_position(r.step);
    }

    fn finished(
        &mut self,
        _: &M,
        _: &TrainState,
        _: &Result<(), TrainError>,
    ) -> Result<(), TrainError> {
        self.bar.finish_and_clear();
        Ok(())
    }
}
