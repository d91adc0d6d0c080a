//! The library's settings as the command line spells them: every [`Setting`] to its flag (or
//! to where it is set when no flag sets it). The match is exhaustive, so a new setting does
//! not compile until it has its spelling here; a test checks that every flag named exists.

use neurode_train::Setting;

/// How a user sets `s` from the command line.
pub fn flag(s: Setting) -> &'static str {
    match s {
        Setting::Task => "--task",
        Setting::Model => "--model",
        Setting::Hidden => "--hidden",
        Setting::Layers => "--layers",
        Setting::Augment => "--augment",
        Setting::Backend | Setting::Device => "--backend",
        Setting::Precision => "--precision",
        Setting::Solver => "--solver",
        Setting::Rtol => "--rtol",
        Setting::Atol => "--atol",
        Setting::Tolerances => "--rtol/--atol",
        Setting::Controller => "--controller",
        Setting::Steps => "--steps",
        Setting::Gradient => "--gradient",
        Setting::Seminorm => "--seminorm",
        Setting::GradientCheckpoints => "--gradient-checkpoints",
        Setting::Iters => "--iters",
        Setting::Epochs => "--epochs",
        Setting::Budget => "--iters/--epochs",
        Setting::BatchSize => "--batch-size",
        Setting::SeqLen => "--seq-len",
        Setting::Lr => "--lr",
        Setting::Optimizer => "--optimizer",
        Setting::WeightDecay => "--weight-decay",
        Setting::Beta1 => "--beta1",
        Setting::Beta2 => "--beta2",
        Setting::Eps => "--eps",
        Setting::Clip => "--clip",
        Setting::TimeWeighted => "--time-weighted",
        Setting::Schedule => "--schedule",
        Setting::Warmup => "--warmup",
        // A fixed window comes from --seq-len; a fraction only from a curriculum stage.
        Setting::Horizon => "--seq-len (or a curriculum stage's horizon)",
        Setting::StopBelow => "--stop-below",
        Setting::Shooting | Setting::MultipleShooting => "--shooting",
        Setting::Flow => "--dataset/--flow-time/--trace/--rnode/--test-points",
        Setting::FlowTime => "--flow-time",
        Setting::Rnode => "--rnode",
        Setting::TestPoints => "--test-points",
        Setting::KeepCheckpoints => "--keep-checkpoints",
        Setting::Seed => "--seed",
        Setting::EvalEvery => "--eval-every",
        Setting::TestFraction => "--test-fraction",
        Setting::Data | Setting::Points => "--data",
        Setting::Init => "--init",
        // Settings only a config file (or a recipe) holds.
        Setting::Curriculum => "the config's curriculum",
        Setting::DataSeed => "the config's data_seed",
        Setting::LossThreshold => "the config's loss_threshold",
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;
    use crate::args::Cli;

    #[test]
    fn every_setting_has_a_flag_of_train_or_a_config_key() {
        let cli = Cli::command();
        let train = cli.find_subcommand("train").expect("a train command");
        let longs: Vec<String> = train
            .get_arguments()
            .filter_map(|a| a.get_long())
            .map(|l| format!("--{l}"))
            .collect();
        for s in Setting::ALL {
            let text = flag(s);
            if let Some(key) = text.strip_prefix("the config's ") {
                assert_eq!(key, s.key(), "{s:?}");
                continue;
            }
            let named: Vec<&str> = text
                .split(['/', ' ', '('])
                .filter_map(|w| w.strip_prefix("--"))
                .collect();
            assert!(!named.is_empty(), "{s:?}: {text}");
            for n in named {
                assert!(
                    longs.contains(&format!("--{n}")),
                    "{s:?}: train has no --{n}"
                );
            }
        }
    }
}
