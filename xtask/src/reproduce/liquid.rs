//! Paper 003, "Connections to Other Architectures": liquid time-constant networks against the
//! same-size Neural ODE with inputs, on the driven damped oscillator.

use neurode_run::plot::{Line, Panel, colors, save_figure};
use neurode_run::{
    FlatSettings, RunConfig, RunDir, SequenceArch, Trained, TrainedRun, sequence_figures,
};
use neurode_train::{TrainError, metrics};

use super::Opts;
use super::report::{item_dir, pm, preamble, table, write_item};
use super::runs::{Done, eval_rows, run_seeded};

/// Held-out MSE, parameters, NFE and time per iteration of an LTC-16 and the input-concatenated
/// Neural ODE of 16 units (`neurode train --task sequence --model ltc|input-ode`).
pub fn run(opts: &Opts) -> Result<(), TrainError> {
    let dir = item_dir(opts, "liquid");
    let models = [
        (SequenceArch::Ltc { units: 16 }, "LTC-16"),
        (SequenceArch::InputOde { units: 16 }, "Input ODE-16"),
    ];
    let mut configs = Vec::new();
    for (model, _) in models {
        let config = RunConfig::sequence()
            .with(FlatSettings {
                model: Some(model.into()),
                iters: Some(opts.budget(300, 3)),
                eval_every: Some(opts.budget(25, 1)),
                ..Default::default()
            })
            .expect("valid settings");
        configs.push(config);
    }
    let (mut md, mut data) = (Vec::new(), Vec::new());
    let mut curves = Panel::new("Held-out MSE", "iteration", "log10(MSE)");
    for (k, runs) in run_seeded(&configs, opts)?.iter().enumerate() {
        let name = models[k].1;
        let col = |f: &dyn Fn(&Done) -> f64| runs.iter().map(f).collect::<Vec<f64>>();
        let its = |d: &Done| d.summary.steps.max(1) as f64;
        let opened = TrainedRun::open(&RunDir::new(&runs[0].dir))?;
        let Trained::Sequence { model, task } = opened.trained else {
            return Err(TrainError::file(&runs[0].dir, "not a sequence run"));
        };
        md.push(vec![
            name.to_string(),
            runs[0].summary.params.to_string(),
            format!("{:.4}", task.test.zero_mse()),
            pm(
                &col(&|d| d.rows.last().map_or(f64::NAN, |r| r.test_loss)),
                4,
            ),
            pm(
                &col(&|d| d.summary.best.as_ref().map_or(f64::NAN, |r| r.test_loss)),
                4,
            ),
            pm(&col(&|d| d.summary.total_nfe_forward as f64 / its(d)), 0),
            pm(&col(&|d| d.summary.seconds_per_step), 3),
        ]);
        curves.lines.push(Line::new(
            name,
            runs[0]
                .rows
                .iter()
                .map(|r| (r.step as f64, r.test_loss.log10()))
                .collect(),
            colors::CYCLE[k],
        ));
        data.extend(eval_rows(&[name], runs, |r| {
            vec![r.nfe_forward.to_string()]
        }));
        // The first seed's held-out predictions (`prediction.png`), renamed per model.
        let figures = RunDir::new(dir.join(format!(".{}", name.replace(' ', "_"))));
        sequence_figures(&figures, &runs[0].rows, &model, &task.test)?;
        let held_out = metrics::mse(&model.predict(&task.test)?, &task.test.flat_targets());
        let to = dir.join(format!("{}.png", name.to_lowercase().replace(' ', "_")));
        std::fs::rename(figures.figure("prediction.png"), &to)
            .map_err(|e| TrainError::file(&to, e))?;
        let _ = std::fs::remove_dir_all(&figures.root);
        eprintln!("   {name} seed 0: best model's held-out MSE {held_out:.5}");
    }
    save_figure(&dir.join("mse.png"), &[curves], 1, (760, 460))?;
    write_item(
        &dir,
        &["model", "seed", "iteration", "test_mse", "nfe_forward"],
        &data,
        &report(opts, &md),
    )
}

/// The report: the task, the table, the figures, a note.
fn report(opts: &Opts, md: &[Vec<String>]) -> String {
    let mut text = preamble(
        opts,
        "liquid",
        "Liquid time-constant networks vs a Neural ODE with inputs",
        "003, Connections to Other Architectures (Liquid Neural Networks)",
    );
    text += &format!(
        "Task: predict the position of a driven damped oscillator `x'' + 0.4x' + 4x = u(t)` from its input alone (`u` a random staircase held for 0.5; 41 samples on [0, 10]; 32 training and 16 held-out sequences; `RunConfig::sequence`). Both models: 16 units from rest and a linear readout, DOPRI5 rtol 1e-4 / atol 1e-6, backprop, Adam 1e-2, batches of 16 sequences, {} iterations. LTC: `dh/dt = −[1/τ + f]h + fA`, `f = σ(hW_r + uW_s + b)`; Input ODE: `dh/dt = −h/τ + tanh(hW_r + uW_s + b)` (the LTC paper's continuous-time RNN). Paper 003 prints no numbers for either.\n\n",
        opts.budget(300, 3)
    );
    text += &table(
        &[
            "model",
            "parameters",
            "held-out MSE of predicting zeros",
            "final held-out MSE",
            "best held-out MSE",
            "NFE / it (forward)",
            "s / it",
        ],
        md,
    );
    text += "\n![Held-out MSE](mse.png)\n\n![LTC-16](ltc-16.png)\n\n![Input ODE-16](input_ode-16.png)\n\n## Notes\n\n- The input's jumps fall inside solver steps (the adaptive solver finds each by rejecting steps), which is most of the NFE; a solver option that lands steps on known discontinuities (diffrax's `jump_ts`) would cut it.\n";
    text
}
