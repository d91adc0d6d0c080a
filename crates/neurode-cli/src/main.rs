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
mod flags;
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
            // One line: what was wrong (clap's first line) and what is accepted (its
            // `[possible values: …]` line, for enum flags).
            let text = e.render().to_string();
            // The first line, with the indented lines under it (the arguments it lists).
            let detail: Vec<&str> = text
                .lines()
                .skip(1)
                .take_while(|l| l.starts_with(char::is_whitespace) && !l.trim().is_empty())
                .map(str::trim)
                .filter(|l| !l.starts_with("[possible values"))
                .collect();
            let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
            let first = lines.next().unwrap_or("invalid arguments");
            let first = if detail.is_empty() {
                first.to_string()
            } else {
                format!("{first} {}", detail.join(", "))
            };
            let accepted = lines.find(|l| l.starts_with("[possible values"));
            match accepted {
                Some(values) => eprintln!("{first} {values} (see `neurode --help`)"),
                None => eprintln!("{first} (see `neurode --help`)"),
            }
            return ExitCode::from(2);
        }
    };
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line, whatever the source of the message.
            let text = render(&e);
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

/// The error in the command line's terms: a library setting becomes its flag
/// ([`flags::flag`]), a divergence names the flags that help; context first, then causes.
fn render(e: &anyhow::Error) -> String {
    use neurode_train::TrainError;
    let mut parts = Vec::new();
    for cause in e.chain() {
        let text = match cause.downcast_ref::<TrainError>() {
            Some(TrainError::Invalid {
                setting,
                value,
                expected,
            }) => format!(
                "invalid value {value} for {}: expected {expected}",
                flags::flag(*setting)
            ),
            Some(d @ TrainError::Diverged { .. }) => {
                format!("{d} (--lr, --clip, --rtol/--atol)")
            }
            Some(TrainError::RunExists { path }) => format!(
                "{} already holds a run; pass --resume to continue it, or choose another --out (nothing was overwritten)",
                path.display()
            ),
            _ => cause.to_string(),
        };
        // anyhow repeats a transparent source's message; keep each text once.
        if !parts.iter().any(|p: &String| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}
