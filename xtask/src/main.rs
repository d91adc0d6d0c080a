//! `cargo xtask <command>`: project automation.
//!
//! * `ci` — what CI runs (`.ci/run`).
//! * `bench` — every benchmark: solver throughput, gradient time and memory, training
//!   throughput.
//! * `reproduce <item|all> [--seeds N] [--quick] [--backend B] [--gradient G] [--out DIR]` —
//!   regenerate the papers' tables and figures under `results/` (see `reproduce/mod.rs`).

mod alloc;
mod reproduce;

use std::process::{Command, ExitCode};

#[global_allocator]
static ALLOC: alloc::Counting = alloc::Counting;

fn run(program: &str, args: &[&str]) -> bool {
    eprintln!("$ {program} {}", args.join(" "));
    Command::new(program)
        .args(args)
        .status()
        .is_ok_and(|s| s.success())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cmd = args.first().cloned().unwrap_or_default();
    let ok = match cmd.as_str() {
        "ci" => run("bash", &[".ci/run"]),
        "bench" => {
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
                    &["bench", "-p", "neurode-train", "--bench", "training"],
                )
        }
        "reproduce" => match reproduce::main(&args[1..]) {
            Ok(()) => true,
            Err(e) => {
                eprintln!("error: {e}");
                false
            }
        },
        "memory-child" => reproduce::memory::child(&args[1..]),
        _ => {
            eprintln!("usage: cargo xtask <ci|bench|reproduce ITEM [--seeds N] [--quick]>");
            false
        }
    };
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
