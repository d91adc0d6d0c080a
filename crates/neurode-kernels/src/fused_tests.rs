//! The fused kernels against Burn's composed ops, values and gradients.

use super::*;
use burn::tensor::TensorData;

/// A deterministic `[rows, cols]` tensor with entries in about [-1.5, 1.5].
fn filled(rows: usize, cols: usize, seed: u32, device: &burn::tensor::Device) -> Tensor<2> {
    let v: Vec<f32> = (0..rows * cols)
        .map(|i| {
            let h = (i as u32)
                .wrapping_mul(2_654_435_761)
                .wrapping_add(seed * 97);
            (h % 3001) as f32 / 1000.0 - 1.5
        })
        .collect();
    Tensor::from_data(TensorData::new(v, [rows, cols]), device)
}

fn composed(x: Tensor<2>, w: Tensor<2>, b: Tensor<1>, act: FusedActivation) -> Tensor<2> {
    let z = x.matmul(w) + b.unsqueeze::<2>();
    match act {
        FusedActivation::Identity => z,
        FusedActivation::Tanh => z.tanh(),
    }
}

fn max_diff(a: Tensor<2>, b: Tensor<2>) -> f32 {
    (a - b).abs().max().into_scalar::<f32>()
}

#[test]
fn forward_matches_burns_ops_off_the_tape() {
    let dev = burn::tensor::Device::flex();
    for act in [FusedActivation::Identity, FusedActivation::Tanh] {
        let (x, w) = (filled(5, 7, 1, &dev), filled(7, 3, 2, &dev));
        let b = filled(1, 3, 3, &dev).reshape([3]);
        let fused = affine(&x, &w, &b, act).expect("flex f32 is fused");
        let d = max_diff(fused, composed(x, w, b, act));
        assert!(d < 1e-5, "{act:?}: {d}");
    }
}

#[test]
fn gradients_match_burns_ops_on_the_tape() {
    let tape = burn::tensor::Device::flex().autodiff();
    for act in [FusedActivation::Identity, FusedActivation::Tanh] {
        let x = filled(6, 4, 4, &tape).require_grad();
        let w = filled(4, 5, 5, &tape).require_grad();
        let b = filled(1, 5, 6, &tape).reshape([5]).require_grad();
        // A non-uniform upstream gradient through a second use of the output.
        let weights = filled(6, 5, 7, &tape);
        let loss = |y: Tensor<2>| (y.clone() * weights.clone()).sum() + (y.clone() * y).sum();
        let fused = affine(&x, &w, &b, act).expect("flex f32 is fused");
        let g1 = loss(fused).backward();
        let g2 = loss(composed(x.clone(), w.clone(), b.clone(), act)).backward();
        let dx = max_diff(x.grad(&g1).unwrap(), x.grad(&g2).unwrap());
        let dw = max_diff(w.grad(&g1).unwrap(), w.grad(&g2).unwrap());
        let db = (b.grad(&g1).unwrap() - b.grad(&g2).unwrap())
            .abs()
            .max()
            .into_scalar::<f32>();
        assert!(
            dx < 1e-4 && dw < 1e-4 && db < 1e-4,
            "{act:?}: {dx} {dw} {db}"
        );
    }
}

#[test]
fn affine_of_cube_matches_burns_ops_with_gradients() {
    let tape = burn::tensor::Device::flex().autodiff();
    let x = filled(6, 2, 11, &tape).require_grad();
    let w = filled(2, 8, 12, &tape).require_grad();
    let b = filled(1, 8, 13, &tape).reshape([8]).require_grad();
    let weights = filled(6, 8, 14, &tape);
    let fused = affine_of_cube(&x, &w, &b, FusedActivation::Tanh).expect("fused");
    let cubed = x.clone() * x.clone() * x.clone();
    let composed = composed(cubed, w.clone(), b.clone(), FusedActivation::Tanh);
    assert!(max_diff(fused.clone(), composed.clone()) < 1e-5);
    let g1 = (fused * weights.clone()).sum().backward();
    let g2 = (composed * weights).sum().backward();
    let dx = max_diff(x.grad(&g1).unwrap(), x.grad(&g2).unwrap());
    let dw = max_diff(w.grad(&g1).unwrap(), w.grad(&g2).unwrap());
    assert!(dx < 1e-4 && dw < 1e-4, "{dx} {dw}");
    // Off the tape too.
    let plain = burn::tensor::Device::flex();
    let xp = filled(6, 2, 11, &plain);
    let (wp, bp) = (
        filled(2, 8, 12, &plain),
        filled(1, 8, 13, &plain).reshape([8]),
    );
    let off = affine_of_cube(&xp, &wp, &bp, FusedActivation::Identity).unwrap();
    let want = composed_plain(xp, wp, bp);
    assert!(max_diff(off, want) < 1e-5);
}

fn composed_plain(x: Tensor<2>, w: Tensor<2>, b: Tensor<1>) -> Tensor<2> {
    composed(x.clone() * x.clone() * x, w, b, FusedActivation::Identity)
}

#[test]
fn only_tracked_inputs_receive_gradients() {
    let tape = burn::tensor::Device::flex().autodiff();
    let x = filled(3, 2, 8, &tape).require_grad();
    let w = filled(2, 4, 9, &tape); // a constant
    let b = filled(1, 4, 10, &tape).reshape([4]);
    let y = affine(&x, &w, &b, FusedActivation::Tanh).unwrap();
    let grads = y.sum().backward();
    assert!(x.grad(&grads).is_some());
    assert!(w.grad(&grads).is_none() && b.grad(&grads).is_none());
}

#[test]
fn linear_combination_matches_burns_ops_with_gradients() {
    let tape = burn::tensor::Device::flex().autodiff();
    let ts: Vec<Tensor<2>> = (0..4)
        .map(|i| filled(3, 5, 20 + i, &tape).require_grad())
        .collect();
    // The second term is a constant: it must get no gradient.
    let ts = [
        ts[0].clone(),
        ts[1].clone().detach(),
        ts[2].clone(),
        ts[3].clone(),
    ];
    let coefs = [1.0, -0.25, 0.1, 3.5];
    let terms: Vec<(f64, &Tensor<2>)> = coefs.iter().copied().zip(&ts).collect();
    let fused = linear_combination(&terms).expect("flex f32 is fused");
    let composed = ts
        .iter()
        .zip(coefs)
        .map(|(t, c)| t.clone().mul_scalar(c))
        .reduce(|a, b| a + b)
        .unwrap();
    let weights = filled(3, 5, 30, &tape);
    let g1 = (fused.clone() * weights.clone()).sum().backward();
    let g2 = (composed.clone() * weights.clone()).sum().backward();
    assert_eq!(
        max_diff(fused, composed),
        0.0,
        "same arithmetic, same order"
    );
    for (i, t) in ts.iter().enumerate() {
        match (t.grad(&g1), t.grad(&g2)) {
            (Some(a), Some(b)) => assert_eq!(max_diff(a, b), 0.0, "term {i}"),
            (None, None) => assert_eq!(i, 1),
            _ => panic!("term {i}: gradient present in only one"),
        }
    }
}

#[test]
fn row_combination_matches_burns_ops_with_gradients() {
    let tape = burn::tensor::Device::flex().autodiff();
    let y = filled(3, 5, 50, &tape).require_grad();
    let ks: Vec<Tensor<2>> = (0..3)
        .map(|i| filled(3, 5, 51 + i, &tape).require_grad())
        .collect();
    let h = [0.1, -0.02, 3.0];
    let coefs = [0.2, 1.0, -4.5];
    let terms: Vec<(f64, &Tensor<2>)> = coefs.iter().copied().zip(&ks).collect();
    let fused = row_combination(&y, &h, &terms).expect("flex f32 is fused");
    let column = Tensor::<2>::from_data(TensorData::new(h.to_vec(), [3, 1]), &tape);
    let sum = linear_combination(&terms).unwrap();
    let composed = y.clone() + sum * column;
    let weights = filled(3, 5, 60, &tape);
    let g1 = (fused.clone() * weights.clone()).sum().backward();
    let g2 = (composed.clone() * weights).sum().backward();
    assert_eq!(
        max_diff(fused, composed),
        0.0,
        "same arithmetic, same order"
    );
    for (i, t) in std::iter::once(&y).chain(&ks).enumerate() {
        let (a, b) = (t.grad(&g1).unwrap(), t.grad(&g2).unwrap());
        assert_eq!(max_diff(a, b), 0.0, "parent {i}");
    }
    // Refusals: a wrong number of rows, no terms.
    assert!(row_combination(&y, &h[..2], &terms).is_none());
    assert!(row_combination(&y, &h, &[]).is_none());
    // Off the tape.
    let plain = burn::tensor::Device::flex();
    let (a, b) = (filled(3, 5, 70, &plain), filled(3, 5, 71, &plain));
    let column = Tensor::<2>::from_data(TensorData::new(h.to_vec(), [3, 1]), &plain);
    let off = row_combination(&a, &h, &[(2.0, &b)]).unwrap();
    assert_eq!(max_diff(off, a + b.mul_scalar(2.0) * column), 0.0);
}

#[test]
fn row_error_sums_match_burns_ops() {
    for device in [
        burn::tensor::Device::flex(),
        burn::tensor::Device::flex().autodiff(),
    ] {
        let (y0, y1) = (filled(4, 3, 80, &device), filled(4, 3, 81, &device));
        let ks: Vec<Tensor<2>> = (0..3).map(|i| filled(4, 3, 82 + i, &device)).collect();
        let h = [0.1, -0.02, 3.0, 1e-3];
        let coefs = [0.2, -1.5, 4.5];
        let terms: Vec<(f64, &Tensor<2>)> = coefs.iter().copied().zip(&ks).collect();
        let (rtol, atol) = (1e-3, 1e-6);
        let fused = row_error_sq_sums(step(&y0, &y1, &h, &terms, rtol, atol)).expect("flex");
        // The composed ops, as the per-row solver's fallback forms them.
        let column = Tensor::<2>::from_data(TensorData::new(h.to_vec(), [4, 1]), &device);
        let err = linear_combination(&terms).unwrap() * column;
        let scale = y0
            .clone()
            .abs()
            .max_pair(y1.clone().abs())
            .mul_scalar(rtol)
            .add_scalar(atol);
        let ratio = err / scale;
        let sq: Vec<f64> = (ratio.clone() * ratio).into_data().iter::<f64>().collect();
        let want: Vec<f64> = sq.chunks(3).map(|r| r.iter().sum()).collect();
        assert_eq!(fused, want, "same arithmetic, same order");
        // Refusals: a wrong number of rows, no terms, another shape.
        assert!(row_error_sq_sums(step(&y0, &y1, &h[..2], &terms, rtol, atol)).is_none());
        assert!(row_error_sq_sums(step(&y0, &y1, &h, &[], rtol, atol)).is_none());
        let other = filled(4, 2, 90, &device);
        assert!(row_error_sq_sums(step(&y0, &other, &h, &terms, rtol, atol)).is_none());
    }
}

#[test]
fn linear_combination_off_the_tape_and_refusals() {
    let dev = burn::tensor::Device::flex();
    let (a, b) = (filled(2, 3, 40, &dev), filled(2, 3, 41, &dev));
    let y = linear_combination(&[(2.0, &a), (-1.0, &b)]).unwrap();
    assert_eq!(max_diff(y, a.clone().mul_scalar(2.0) - b.clone()), 0.0);
    let c = filled(3, 2, 42, &dev);
    assert!(linear_combination(&[(1.0, &a), (1.0, &c)]).is_none());
    assert!(linear_combination::<2>(&[]).is_none());
    let many: Vec<(f64, &Tensor<2>)> = (0..17).map(|_| (1.0, &a)).collect();
    assert!(linear_combination(&many).is_none());
}

#[test]
fn mismatched_shapes_are_not_fused() {
    let dev = burn::tensor::Device::flex();
    let (x, w) = (filled(2, 3, 1, &dev), filled(4, 5, 2, &dev));
    let b = filled(1, 5, 3, &dev).reshape([5]);
    assert!(affine(&x, &w, &b, FusedActivation::Tanh).is_none());
    // No output columns: nothing to fuse (and no zero-width rows to walk).
    let w0 = Tensor::<2>::zeros([3, 0], &dev);
    let b0 = Tensor::<1>::zeros([0], &dev);
    assert!(affine(&x, &w0, &b0, FusedActivation::Tanh).is_none());
}

/// One node on the tape with value `tanh_f32(x)` and gradient `1 − y²`; off the tape the
/// same values; within 1e-6 of f64's tanh and its derivative.
#[test]
fn tanh_has_the_value_and_gradient_of_tanh_on_and_off_the_tape() {
    let plain = burn::tensor::Device::flex();
    let tape = plain.clone().autodiff();
    // Tiny (the x ≈ x branch), moderate and saturated inputs.
    let xs: Vec<f32> = (-48..=48)
        .map(|i| i as f32 * 0.2)
        .chain([1e-5, -3e-4])
        .collect();
    let n = xs.len();
    let x = Tensor::<1>::from_data(TensorData::new(xs.clone(), [n]), &tape).require_grad();
    let y = tanh(x.clone());
    let grads = (y.clone() * 2.0).sum().backward();
    let slope: Vec<f32> = x.grad(&grads).unwrap().to_data().try_to_vec().unwrap();
    let y: Vec<f32> = y.to_data().try_to_vec().unwrap();
    let off = tanh(Tensor::<1>::from_data(
        TensorData::new(xs.clone(), [n]),
        &plain,
    ));
    let off: Vec<f32> = off.to_data().try_to_vec().unwrap();
    for (i, &x) in xs.iter().enumerate() {
        let exact = f64::from(x).tanh();
        assert_eq!(off[i], crate::tanh_f32(x), "off the tape at {x}");
        assert_eq!(y[i], off[i], "on the tape at {x}");
        assert_eq!(slope[i], 2.0 * (1.0 - y[i] * y[i]), "slope at {x}");
        assert!(
            (f64::from(y[i]) - exact).abs() < 1e-6,
            "value at {x}: {}",
            y[i]
        );
        let ds = (f64::from(slope[i]) / 2.0 - (1.0 - exact * exact)).abs();
        assert!(ds < 2e-6, "slope at {x}: {} (error {ds:e})", slope[i]);
    }
}

/// The inputs of one per-row error sum.
fn step<'a>(
    y0: &'a Tensor<2>,
    y1: &'a Tensor<2>,
    h: &'a [f64],
    terms: &'a [(f64, &'a Tensor<2>)],
    rtol: f64,
    atol: f64,
) -> RowErrorStep<'a> {
    RowErrorStep {
        y0,
        y1,
        h,
        terms,
        rtol,
        atol,
    }
}
