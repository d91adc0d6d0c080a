//! `neurode`: train, evaluate and run Neural ODEs from the command line.
//!
//! ```text
//! neurode train                      # paper 000: Residual-64 on the cubic spiral
//! neurode train --task classify --model ode-rk4
//! neurode eval runs/run-001
//! neurode predict runs/run-001 --t-end 35 --out traj.csv
//! neurode solve --y0 2,0 --t-end 25 --plot spiral.png
//! ```

mod args;
mod commands;
mod spec;

use std::process::ExitCode;

use clap::Parser;

/// Burn allocates a fresh buffer for every tensor operation; with mimalloc serving those
/// small, short-lived buffers a training step is 3–14% faster than with glibc (BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            // One line: what was wrong and what is accepted (clap's first line says both).
            let text = e.render().to_string();
            let line = text
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("invalid arguments");
            eprintln!("{line} (see `neurode --help`)");
            return ExitCode::from(2);
        }
    };
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line, whatever the source of the message.
            let text = e.to_string();
            let line: Vec<&str> = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            eprintln!("error: {}", line.join(" "));
            ExitCode::FAILURE
        }
    }
}
