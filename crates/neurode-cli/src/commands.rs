//! The subcommands.

/// `println!` that ignores a closed stdout (`neurode eval RUN | head -1` must not panic).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

use std::path::Path;

use burn::tensor::Device;

use anyhow::{Result, bail};
use neurode_datasets::{Series, SpiralSystem, linspace};
use neurode_models::{DynamicsNet, NeuralOde, save_torch_weights};
use neurode_run::figures::solution_figure;
use neurode_run::{RunConfig, RunDir, TaskKind, TrainOptions, Trained, TrainedRun, train};
use neurode_solvers::{Adaptive, SolveOptions, Stepping, solve};
use neurode_train::{Interrupt, TrainError, metrics, predict, predict_logits};

use crate::args::{Cli, Command, SolveArgs};

/// Runs one command.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Train(a) => {
            let config = crate::spec::run_config(&a)?;
            let dir = RunDir::new(a.out.clone().unwrap_or_else(next_run_dir));
            let opts = TrainOptions {
                quiet: a.quiet,
                resume: a.resume,
                figures: !a.no_figures,
                interrupt: Some(on_ctrl_c()),
            };
            let summary = match train(&config, &dir, &opts) {
                Err(TrainError::Interrupted { step }) => {
                    eprintln!(
                        "interrupted after step {step}: checkpoint, metrics and summary are in {}; continue with `neurode train --out {} --resume`",
                        dir.root.display(),
                        dir.root.display()
                    );
                    std::process::exit(130);
                }
                other => other?,
            };
            print_summary(&config, &summary, &dir);
            Ok(())
        }
        Command::Eval { run } => eval(&run),
        Command::Predict {
            run,
            t_end,
            points,
            y0,
            out,
        } => predict_cmd(&run, t_end, points, y0, &out),
        Command::Solve(a) => solve_cmd(&a),
        Command::Export { run, out } => export(&run, &out),
    }
}

/// A stop request raised by the first Ctrl-C (or SIGTERM): training finishes its step and
/// writes its checkpoint. A second one exits at once (status 130).
fn on_ctrl_c() -> Interrupt {
    let interrupt = Interrupt::new();
    let flag = interrupt.clone();
    // Without a handler (one is already installed: a library user's) Ctrl-C keeps its default.
    let _ = ctrlc::set_handler(move || {
        if flag.is_requested() {
            eprintln!();
            std::process::exit(130);
        }
        flag.request();
        eprintln!("\nstopping after this step (Ctrl-C again to quit at once)");
    });
    interrupt
}

/// The best model of a run as PyTorch weights.
fn export(run: &Path, out: &Path) -> Result<()> {
    match TrainedRun::open(&RunDir::new(run))?.trained {
        Trained::Dynamics { model, .. } => save_torch_weights(&model, out)?,
        Trained::Classify { model, .. } => save_torch_weights(&model, out)?,
        Trained::Density { model, .. } => save_torch_weights(&model, out)?,
        Trained::Sequence { model, .. } => save_torch_weights(&model, out)?,
    }
    say!(
        "wrote {} (PyTorch state_dict names and layouts)",
        out.display()
    );
    Ok(())
}

/// The best Neural ODE of a dynamics run, its data and device; `what` names the command.
fn dynamics_run(run: &Path, what: &str) -> Result<(NeuralOde<DynamicsNet>, Vec<Series>, Device)> {
    let opened = TrainedRun::open(&RunDir::new(run))?;
    match opened.trained {
        Trained::Dynamics { model, series, .. } => Ok((model, series, opened.device)),
        Trained::Classify { .. } => bail!(
            "{}: holds a classification run; `{what}` needs a dynamics run",
            run.display()
        ),
        Trained::Density { .. } | Trained::Sequence { .. } => bail!(
            "{}: holds a density or sequence run; `{what}` needs a dynamics run",
            run.display()
        ),
    }
}

/// The first `runs/run-NNN` that does not exist yet.
fn next_run_dir() -> std::path::PathBuf {
    (1..)
        .map(|n| Path::new("runs").join(format!("run-{n:03}")))
        .find(|p| !p.exists())
        .expect("some run number is free")
}

fn print_summary(config: &RunConfig, s: &neurode_run::Summary, dir: &RunDir) {
    say!(
        "{} — {} parameters ({:.1} KB)",
        s.model,
        s.params,
        s.param_bytes as f64 / 1000.0
    );
    if let Some(last) = &s.last {
        match config.kind() {
            TaskKind::Dynamics => say!(
                "final: test MSE {:.5}, drift ratio {:.3}, extrapolation MAE {}",
                last.test_loss,
                last.drift_ratio.unwrap_or(f64::NAN),
                last.extrap_mae.map_or("n/a".into(), |v| format!("{v:.4}"))
            ),
            TaskKind::Classify => say!(
                "final: train accuracy {:.1}%, test accuracy {:.1}%, test loss {:.4}",
                100.0 * last.train_acc.unwrap_or(f64::NAN),
                100.0 * last.test_acc.unwrap_or(f64::NAN),
                last.test_loss
            ),
            TaskKind::Density => say!(
                "final: held-out negative log-likelihood {:.4} nats per point",
                last.test_loss
            ),
            TaskKind::Sequence => say!("final: held-out MSE {:.5}", last.test_loss),
        }
    }
    if let Some(best) = &s.best {
        say!(
            "best: test loss {:.5} at step {}",
            best.test_loss,
            best.step
        );
    }
    if let Some(k) = s.threshold_step {
        say!("test loss first ≤ {} at step {k}", config.loss_threshold);
    }
    if let neurode_run::Status::Stopped { step, test_loss } = s.status {
        say!("stopped early at step {step}: test loss {test_loss:.5} reached --stop-below");
    }
    say!(
        "{} steps, {:.3} s/step, NFE forward {} backward {}, wall {:.1} s",
        s.steps,
        s.seconds_per_step,
        s.total_nfe_forward,
        s.total_nfe_backward,
        s.wall_seconds
    );
    say!("results in {}", dir.root.display());
}

fn eval(run: &Path) -> Result<()> {
    let opened = TrainedRun::open(&RunDir::new(run))?;
    let device = &opened.device;
    match opened.trained {
        Trained::Dynamics {
            model,
            series,
            extended,
        } => {
            for s in &series {
                let pred = predict(&model, s, device)?;
                say!(
                    "test MSE {:.6}  drift ratio {:.4}  (t ∈ [{}, {}], {} points)",
                    metrics::mse(&pred, &s.values),
                    metrics::drift_ratio(&pred, &s.values, s.dim),
                    s.ts[0],
                    s.ts[s.len() - 1],
                    s.len()
                );
            }
            if let Some(ext) = extended {
                let pred = predict(&model, &ext, device)?;
                say!(
                    "extrapolation MAE on [0, {}]: {:.6}",
                    ext.ts[ext.len() - 1],
                    metrics::mae(&pred, &ext.values)
                );
            }
        }
        Trained::Sequence { model, task } => {
            for (name, set) in [("train", &task.train), ("held-out", &task.test)] {
                say!(
                    "{name} MSE {:.6} ({} sequences; predicting zeros: {:.6})",
                    metrics::mse(&model.predict(set)?, &set.flat_targets()),
                    set.count,
                    set.zero_mse()
                );
            }
        }
        Trained::Density { model, task } => say!(
            "held-out negative log-likelihood {:.4} nats per point ({} points)",
            task.test_nll(&model)?,
            task.test.len()
        ),
        Trained::Classify { model, train, test } => {
            for (name, set) in [("train", &train), ("test", &test)] {
                let logits = predict_logits(&model, &set.x, set.dim, device)?;
                say!(
                    "{name} accuracy {:.2}% ({} points)",
                    100.0 * metrics::accuracy(&logits, &set.labels),
                    set.len()
                );
            }
        }
    }
    Ok(())
}

fn check_grid(t_end: f64, points: usize) -> Result<()> {
    if !(t_end.is_finite() && t_end > 0.0) {
        bail!("invalid value {t_end} for --t-end: expected a finite time > 0");
    }
    if points < 2 {
        bail!("invalid value {points} for --points: expected at least 2");
    }
    Ok(())
}

fn check_y0(y0: &[f64], dim: usize) -> Result<()> {
    if y0.len() != dim || !y0.iter().all(|v| v.is_finite()) {
        bail!(
            "invalid value {y0:?} for --y0: expected {dim} finite comma-separated values, one per state dimension (e.g. --y0 2,0)"
        );
    }
    Ok(())
}

fn predict_cmd(
    run: &Path,
    t_end: f64,
    points: usize,
    y0: Option<Vec<f64>>,
    out: &Path,
) -> Result<()> {
    check_grid(t_end, points)?;
    let (model, series, device) = dynamics_run(run, "predict")?;
    let dim = series[0].dim;
    let y0 = y0.unwrap_or_else(|| series[0].row(0).to_vec());
    check_y0(&y0, dim)?;
    let s = Series {
        ts: linspace(0.0, t_end, points),
        values: y0.repeat(points),
        dim,
    };
    let pred = predict(&model, &s, &device)?;
    write_csv(out, &s.ts, &pred, dim)?;
    say!(
        "wrote {} ({} points, t ∈ [0, {t_end}])",
        out.display(),
        points
    );
    Ok(())
}

fn write_csv(out: &Path, ts: &[f64], values: &[f64], dim: usize) -> Result<()> {
    let mut header = vec!["t".to_string()];
    header.extend((1..=dim).map(|i| format!("x{i}")));
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    // Shortest round-trip decimals (`2`, not `2.0`), as the file has always held.
    let rows = ts.iter().enumerate().map(|(i, t)| {
        let mut row = vec![t.to_string()];
        row.extend(values[i * dim..(i + 1) * dim].iter().map(f64::to_string));
        row
    });
    Ok(neurode_run::write_csv(out, &header, rows)?)
}

fn solve_cmd(a: &SolveArgs) -> Result<()> {
    check_grid(a.t_end, a.points)?;
    let ts = linspace(0.0, a.t_end, a.points);
    let stepping = match a.steps {
        Some(n) => Stepping::Steps(n),
        None => Stepping::Adaptive(Adaptive::new(a.rtol, a.atol)),
    };
    let opts = SolveOptions::new()
        .with_method(a.solver)
        .with_stepping(stepping);
    opts.validate()?;
    let (values, dim, what) = match &a.run {
        None => {
            check_y0(&a.y0, 2)?;
            let sys = SpiralSystem::PAPER;
            let f = |_t: f64, y: &Vec<f64>| sys.rhs([y[0], y[1]]).to_vec();
            let sol = solve(&f, a.y0.clone(), &ts, &opts)?;
            say!(
                "{} NFE, {} accepted and {} rejected steps",
                sol.stats.nfe,
                sol.stats.accepted_steps,
                sol.stats.rejected_steps
            );
            (sol.ys.concat(), 2, "true dynamics")
        }
        Some(run) => {
            let (model, series, device) = dynamics_run(run, "solve --run")?;
            let dim = series[0].dim;
            check_y0(&a.y0, dim)?;
            let model = model.with_solver(opts)?;
            let s = Series {
                ts: ts.clone(),
                values: a.y0.repeat(a.points),
                dim,
            };
            (predict(&model, &s, &device)?, dim, "trained model")
        }
    };
    write_csv(&a.out, &ts, &values, dim)?;
    solution_figure(&a.plot, &ts, &values, dim, what)?;
    say!("wrote {} and {}", a.out.display(), a.plot.display());
    Ok(())
}
