//! `cargo xtask <command>`: project automation.
//!
//! * `ci` — what CI runs (`.ci/run`).
//! * `bench` — every benchmark: solver throughput, gradient time, gradient memory.

use std::process::{Command, ExitCode};

fn run(program: &str, args: &[&str]) -> bool {
    eprintln!("$ {program} {}", args.join(" "));
    Command::new(program)
        .args(args)
        .status()
        .is_ok_and(|s| s.success())
}

fn main() -> ExitCode {
    let cmd = std::env::args().nth(1).unwrap_or_default();
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
        }
        _ => {
            eprintln!("usage: cargo xtask <ci|bench>");
            false
        }
    };
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
