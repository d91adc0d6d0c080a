//! Paper 003, "Connections to Other Architectures": continuous normalizing flows (FFJORD) on
//! two of FFJORD's 2-D toys, with and without RNODE's regularisers.

use neurode_datasets::Toy2d;
use neurode_models::{Cnf, Trace};
use neurode_run::plot::{Line, Panel, colors, save_figure};
use neurode_run::{FlatSettings, RunConfig, RunDir, Trained, TrainedRun, flow_panels};
use neurode_train::{Flow, TrainError, points};

use super::Opts;
use super::report::{item_dir, pm, preamble, table, write_item};
use super::runs::{Done, eval_rows, run_seeded};

/// RNODE's weight in the regularised runs (Finlay et al. 2020 use 0.01 for both terms).
const RNODE: f64 = 0.01;

/// Held-out NLL, NFE per iteration and time per iteration of a CNF on `moons` and
/// `8gaussians`, plain and RNODE-regularised; the learned densities, samples and grid flows.
pub fn run(opts: &Opts) -> Result<(), TrainError> {
    let dir = item_dir(opts, "flows");
    let datasets = [Toy2d::TwoMoons, Toy2d::EightGaussians];
    let mut configs = Vec::new();
    for data in datasets {
        for rnode in [None, Some(RNODE)] {
            let config = RunConfig::density()
                .with(FlatSettings {
                    iters: Some(opts.budget(1000, 4)),
                    eval_every: Some(opts.budget(100, 2)),
                    flow: Some(Flow {
                        dataset: data,
                        rnode,
                        test_points: if opts.quick { 200 } else { 2000 },
                        ..Flow::default()
                    }),
                    ..Default::default()
                })
                .expect("valid settings");
            configs.push(config);
        }
    }
    let (mut md, mut data) = (Vec::new(), Vec::new());
    let mut curves = Panel::new("Held-out NLL", "iteration", "nats per point");
    for (k, runs) in run_seeded(&configs, opts)?.iter().enumerate() {
        let (name, rnode) = (datasets[k / 2].name(), k % 2 == 1);
        let label = format!("{name}{}", if rnode { " + RNODE" } else { "" });
        md.push(table_row(&label, runs)?);
        let mut line = Line::new(
            &label,
            runs[0]
                .rows
                .iter()
                .map(|r| (r.step as f64, r.test_loss))
                .collect(),
            colors::CYCLE[(k / 2) % colors::CYCLE.len()],
        );
        line.dashed = rnode;
        curves.lines.push(line);
        data.extend(eval_rows(&[name, &rnode.to_string()], runs, |r| {
            vec![r.nfe_forward.to_string()]
        }));
        if !rnode {
            // The first seed's best flow: data, density, samples, flow of a grid.
            let opened = TrainedRun::open(&RunDir::new(&runs[0].dir))?;
            if let Trained::Density { model, task } = opened.trained {
                let truth = task.data.draw(2000, 1)?;
                let panels = flow_panels(&model, &truth, &opened.device)?;
                save_figure(&dir.join(format!("{name}.png")), &panels, 4, (420, 420))?;
            }
        }
    }
    save_figure(&dir.join("nll.png"), &[curves], 1, (760, 460))?;
    write_item(
        &dir,
        &[
            "dataset",
            "rnode",
            "seed",
            "iteration",
            "test_nll",
            "nfe_forward",
        ],
        &data,
        &report(opts, &md),
    )
}

/// A row of the table: NLL at the start and the end, NFE and time per iteration, and the NFE
/// of the trained flow's density solve.
fn table_row(label: &str, runs: &[Done]) -> Result<Vec<String>, TrainError> {
    let col = |f: &dyn Fn(&Done) -> f64| runs.iter().map(f).collect::<Vec<f64>>();
    let its = |d: &Done| d.summary.steps.max(1) as f64;
    // How hard the learned flow is to solve: its density solve of the held-out points
    // without RNODE's channels (the cost of using it), for every seed.
    let mut solve_nfe = Vec::new();
    for d in runs {
        let opened = TrainedRun::open(&RunDir::new(&d.dir))?;
        if let Trained::Density { model, task } = opened.trained {
            let bare = Cnf::new(model.field.clone(), Trace::Exact, false)
                .with_solve(model.solve().clone())?;
            let x = points(&task.test, &opened.device);
            let out = bare.log_density(x)?;
            solve_nfe.push(out.stats.nfe as f64);
        }
    }
    Ok(vec![
        label.to_string(),
        pm(
            &col(&|d| d.rows.first().map_or(f64::NAN, |r| r.test_loss)),
            3,
        ),
        pm(
            &col(&|d| d.rows.last().map_or(f64::NAN, |r| r.test_loss)),
            3,
        ),
        pm(&col(&|d| d.summary.total_nfe_forward as f64 / its(d)), 1),
        pm(&col(&|d| d.summary.total_nfe_backward as f64 / its(d)), 1),
        pm(&col(&|d| d.summary.seconds_per_step), 3),
        pm(&solve_nfe, 1),
    ])
}

/// The report: the setup, the table, the figures, notes.
fn report(opts: &Opts, md: &[Vec<String>]) -> String {
    let mut text = preamble(
        opts,
        "flows",
        "Continuous normalizing flows (FFJORD) on 2-D toys",
        "003, Connections to Other Architectures (continuous normalizing flows)",
    );
    text += &format!(
        "FFJORD's 2-D toy setup (`RunConfig::density`): concat-squash MLP 64-64-64, flow time 0.5, exact trace, DOPRI5 rtol = atol = 1e-5, Adam 1e-3 (weight decay 1e-5), fresh batches of 512, {} iterations; held-out NLL on {} points with the exact trace. RNODE adds {RNODE} · (∫‖f‖² + ∫‖∂f/∂z‖²_F). Paper 003 prints no CNF numbers; FFJORD publishes these toys as figures only, so the anchor is torchdiffeq on the same setup (BENCHMARKS.md, *Continuous normalizing flows*).\n\n",
        opts.budget(1000, 4),
        if opts.quick { 200 } else { 2000 },
    );
    text += &table(
        &[
            "data",
            "NLL at start",
            "final held-out NLL",
            "NFE / it (forward)",
            "NFE / it (backward)",
            "s / it",
            "NFE of the trained flow's density solve",
        ],
        md,
    );
    text += "\n![Held-out NLL](nll.png)\n\n![Two moons](moons.png)\n\n![Eight Gaussians](8gaussians.png)\n\n## Notes\n\n- The untrained flow is the identity (its last layer starts at zero), so the first row is the NLL of the data under N(0, I).\n- The last column solves the held-out points through the trained flow without RNODE's two channels: what using the flow costs. The training NFE of the RNODE runs include the effect of those channels on step-size control (they are part of the integrated state).\n- Backward NFE is zero for backprop through the solver (the run's gradient method); it counts the adjoint's backward solve otherwise.\n";
    text
}
