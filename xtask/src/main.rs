//! `cargo xtask <command>`: project automation.
//!
//! * `ci` — what CI runs (`.ci/run`).
//! * `bench` — every benchmark: solver throughput, gradient time and memory, training
//!   throughput.
//! * `reproduce [ITEM] [--seeds N] [--quick] [--backend B] [--gradient G] [--out DIR]` —
//!   regenerate the papers' tables and figures under `results/` (see `reproduce/mod.rs`).
//! * `data` — regenerate the example datasets under `examples/data/`.

mod data;
#[cfg(test)]
mod house;
mod reproduce;

use std::process::{Command as Process, ExitCode};

use clap::{Parser, Subcommand};

#[global_allocator]
static ALLOC: neurode_backend::memory::CountingAlloc = neurode_backend::memory::CountingAlloc;

/// neurode's project automation.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// What CI runs (`.ci/run`).
    Ci,
    /// Every benchmark (criterion and the side-by-side training bench).
    Bench,
    /// Regenerate the papers' tables and figures.
    Reproduce(reproduce::Args),
    /// Regenerate the example datasets under `examples/data/`.
    Data,
    /// One memory measurement of the `memory` item, in a process of its own.
    #[command(hide = true)]
    MemoryChild {
        /// Model and gradient method.
        args: Vec<String>,
    },
}

fn run(program: &str, args: &[&str]) -> bool {
    eprintln!("$ {program} {}", args.join(" "));
    Process::new(program)
        .args(args)
        .status()
        .is_ok_and(|s| s.success())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let ok = match cli.command {
        Command::Ci => run("bash", &[".ci/run"]),
        Command::Bench => {
            run("cargo", &["bench", "-p", "neurode-solvers"])
                && run(
                    "cargo",
                    &["bench", "-p", "neurode-adjoint", "--bench", "gradients"],
                )
                && run(
                    "cargo",
                    &["bench", "-p", "neurode-adjoint", "--bench", "memory"],
                )
                && run(
                    "cargo",
                    &["bench", "-p", "neurode-run", "--bench", "training"],
                )
        }
        Command::Reproduce(args) => match reproduce::main(&args) {
            Ok(()) => true,
            Err(e) => {
                eprintln!("error: {e:#}");
                false
            }
        },
        Command::Data => match data::run() {
            Ok(()) => true,
            Err(e) => {
                eprintln!("error: {e}");
                false
            }
        },
        Command::MemoryChild { args } => reproduce::memory::child(&args),
    };
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
