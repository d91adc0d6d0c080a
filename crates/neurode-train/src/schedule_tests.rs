//! Schedules against PyTorch: rates printed by `torch.optim.lr_scheduler` 2.x for the same
//! inputs.

use super::*;

/// The monitored losses fed to every plateau case below.
const LOSSES: [f64; 20] = [
    1.0, 0.9, 0.9, 0.8999, 0.95, 0.9, 0.85, 0.85, 0.85, 0.85, 0.84995, 0.7, 0.7, 0.7, 0.7, 0.7,
    0.7, 0.7, 0.7, 0.7,
];

/// The rates after each `observe`, starting at 0.1.
fn plateau_rates(p: Plateau) -> Vec<f64> {
    let s = Schedule::Plateau(p);
    let mut st = ScheduleState::new(0.1);
    LOSSES
        .iter()
        .map(|&l| {
            st.observe(&s, l);
            st.lr
        })
        .collect()
}

/// `ReduceLROnPlateau(SGD(lr=0.1), mode="min", eps=1e-8, **case)`, `step(loss)` per loss,
/// `param_groups[0]["lr"]` after each (PyTorch 2.15, printed with `repr`).
#[test]
fn plateau_equals_pytorch() {
    let cases: [(Plateau, [f64; 20]); 4] = [
        (
            // factor 0.5, patience 1, threshold 1e-4 rel, no cooldown.
            Plateau::new(0.5, 1),
            [
                0.1, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125, 0.0125,
                0.00625, 0.00625, 0.003125, 0.003125, 0.0015625, 0.0015625, 0.00078125,
            ],
        ),
        (
            // The same with a cooldown of 2 evaluations.
            Plateau::new(0.5, 1).with_cooldown(2),
            [
                0.1, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.025,
                0.0125, 0.0125, 0.0125, 0.0125, 0.00625, 0.00625, 0.00625,
            ],
        ),
        (
            // Absolute threshold 0.01, patience 0, cooldown 1, floor 0.03.
            Plateau::new(0.5, 0)
                .with_threshold(0.01, ThresholdMode::Abs)
                .with_cooldown(1)
                .with_min_lr(0.03),
            [
                0.1, 0.1, 0.05, 0.05, 0.03, 0.03, 0.03, 0.03, 0.03, 0.03, 0.03, 0.03, 0.03, 0.03,
                0.03, 0.03, 0.03, 0.03, 0.03, 0.03,
            ],
        ),
        (
            // A 10 % relative threshold: 0.9 → 0.85 is not an improvement.
            Plateau::new(0.1, 2).with_threshold(0.1, ThresholdMode::Rel),
            [
                0.1,
                0.1,
                0.1,
                0.1,
                0.1,
                0.1,
                0.010000000000000002,
                0.010000000000000002,
                0.010000000000000002,
                0.0010000000000000002,
                0.0010000000000000002,
                0.0010000000000000002,
                0.0010000000000000002,
                0.0010000000000000002,
                0.00010000000000000003,
                0.00010000000000000003,
                0.00010000000000000003,
                1.0000000000000004e-05,
                1.0000000000000004e-05,
                1.0000000000000004e-05,
            ],
        ),
    ];
    for (i, (p, want)) in cases.into_iter().enumerate() {
        assert_eq!(plateau_rates(p), want, "case {i}");
    }
}

#[test]
fn plateau_stops_reducing_like_pytorch_eps() {
    let s = Schedule::Plateau(Plateau::new(0.1, 0));
    let mut st = ScheduleState::new(1e-3);
    st.observe(&s, 1.0);
    let mut rates = Vec::new();
    for _ in 0..8 {
        st.observe(&s, 1.0);
        rates.push(st.lr);
    }
    // 1e-3 → … → 1e-8; then 1e-8 − 1e-9 < eps: PyTorch keeps 1e-8.
    let expected = [1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-8, 1e-8, 1e-8];
    for (got, want) in rates.iter().zip(expected) {
        assert!((got / want - 1.0).abs() < 1e-9, "{rates:?}");
    }
}

/// Paper 000's configs (`kind = "plateau"`, factor, patience, min_lr) still read, with
/// PyTorch's defaults for the rest.
#[test]
fn plateau_reads_older_configs() {
    #[derive(Deserialize)]
    struct C {
        schedule: Schedule,
    }
    let c: C = toml::from_str(
        "[schedule]\nkind = \"plateau\"\nfactor = 0.1\npatience = 5\nmin_lr = 0.0\n",
    )
    .unwrap();
    assert_eq!(c.schedule, Schedule::Plateau(Plateau::new(0.1, 5)));
}

/// `LinearLR(start_factor=1/w, total_iters=w−1)`: step `k` (0-based) runs at `lr·(k+1)/w`,
/// then the schedule's own rate; it composes with cosine (PyTorch's `ChainedScheduler`).
#[test]
fn warmup_is_linear_then_hands_over() {
    let mut st = ScheduleState::new(0.01);
    let mut rates = Vec::new();
    for _ in 0..6 {
        rates.push(st.rate(4));
        st.advance(&Schedule::None, 0);
    }
    assert_eq!(rates, [0.0025, 0.005, 0.0075, 0.01, 0.01, 0.01]);
    assert_eq!(ScheduleState::new(0.01).rate(0), 0.01, "no warm-up");
    let mut st = ScheduleState::new(0.01);
    st.advance(&cosine(10, 0.0), 0);
    let annealed = st.lr;
    assert_eq!(st.rate(4), annealed * 2.0 / 4.0);
}

/// The rates of `CosineAnnealingLR(Adam(lr=0.01), T_max=500)` after 1–4 `step()`s, as
/// PyTorch 2 prints them (`../shared/parity/classifier_*.json`): its recursive form, which
/// differs from the closed form in the last digits.
#[test]
fn cosine_equals_pytorch_bit_for_bit() {
    let s = cosine(500, 0.0);
    let mut st = ScheduleState::new(0.01);
    let pytorch = [
        0.009999901304280686,
        0.009999605221019083,
        0.009999111761904047,
        0.009998420946416502,
    ];
    for want in pytorch {
        st.advance(&s, 0);
        assert_eq!(st.lr, want);
    }
}

#[test]
fn cosine_matches_pytorch_closed_form() {
    let s = cosine(500, 0.0);
    let mut st = ScheduleState::new(0.01);
    st.advance(&s, 0);
    assert!((st.lr - 0.01 * (1.0 + (std::f64::consts::PI / 500.0).cos()) / 2.0).abs() < 1e-15);
    for _ in 1..250 {
        st.advance(&s, 0);
    }
    assert!((st.lr - 0.005).abs() < 1e-12);
    for _ in 250..500 {
        st.advance(&s, 0);
    }
    assert!(st.lr.abs() < 1e-15);
    st.advance(&s, 0);
    assert_eq!(st.lr, 0.0, "holds min_lr after `total` steps");
}

/// `Anneal` is `Cosine` with `total` = the phase's steps.
#[test]
fn anneal_is_cosine_over_the_phase() {
    let (mut a, mut c) = (ScheduleState::new(0.01), ScheduleState::new(0.01));
    for _ in 0..9 {
        a.advance(&Schedule::Anneal { min_lr: 1e-4 }, 7);
        c.advance(&cosine(7, 1e-4), 1_000);
        assert_eq!(a.lr, c.lr);
    }
    assert_eq!(a.lr, 1e-4);
}

/// The state survives JSON before the first evaluation (`best` is not `inf`, which JSON
/// writes as `null`), and older files with `null` still read.
#[test]
fn a_fresh_state_round_trips_through_json() {
    let st = ScheduleState::new(0.01);
    let text = serde_json::to_string(&st).unwrap();
    assert_eq!(serde_json::from_str::<ScheduleState>(&text).unwrap(), st);
    let old = text.replace("1.7976931348623157e+308", "null");
    assert!(old.contains("null"), "{old}");
    assert_eq!(
        serde_json::from_str::<ScheduleState>(&old).unwrap().best,
        f64::MAX
    );
}

/// PyTorch's `CosineAnnealingLR(T_max=total, eta_min=min_lr)`.
fn cosine(total: u64, min_lr: f64) -> Schedule {
    Schedule::Cosine { total, min_lr }
}
