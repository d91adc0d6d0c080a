//! Stopping a run cleanly from outside (Ctrl-C, SIGTERM, a button): the trainer finishes the
//! step it is in, the observers write a checkpoint, the metrics and a summary with status
//! `interrupted`, and the run returns [`crate::TrainError::Interrupted`]. Resuming it gives the
//! same result as a run that was never interrupted.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A shared stop request: clones are the same flag (hand one to a signal handler).
#[derive(Debug, Clone, Default)]
pub struct Interrupt(Arc<AtomicBool>);

impl Interrupt {
    /// A flag nobody has raised.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the run to stop after its current step.
    pub fn request(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether a stop was asked for.
    pub fn is_requested(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Two interrupts are equal when they are the same flag.
impl PartialEq for Interrupt {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}
