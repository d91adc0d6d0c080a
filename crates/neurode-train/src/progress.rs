//! The progress bar of long runs (indicatif): step, loss, test loss, NFE, lr, ETA.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar, or nothing when quiet.
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar over `total` steps named `unit` (`it` or `epoch`); hidden when `quiet`.
    pub fn new(total: u64, start: u64, unit: &str, quiet: bool) -> Self {
        let bar = if quiet {
            ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden())
        } else {
            ProgressBar::new(total)
        };
        bar.set_style(
            ProgressStyle::with_template(&format!(
                "{{bar:30.cyan/blue}} {{pos}}/{{len}} {unit} {{msg}} [{{elapsed_precise}} < {{eta}}]"
            ))
            .expect("a valid template"),
        );
        bar.set_position(start);
        Self { bar }
    }

    /// Advances one step and shows the latest figures.
    pub fn tick(&self, loss: f64, test: Option<f64>, nfe: (u64, u64), lr: f64) {
        let test = test.map_or(String::new(), |t| format!(" test {t:.4}"));
        self.bar.set_message(format!(
            "loss {loss:.4}{test} nfe {}+{} lr {lr:.1e}",
            nfe.0, nfe.1
        ));
        self.bar.inc(1);
    }

    /// Prints a line above the bar (or to stderr when quiet is off and no bar is drawn).
    pub fn println(&self, line: &str) {
        if !self.bar.is_hidden() {
            self.bar.println(line);
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
