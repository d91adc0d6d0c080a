//! Arithmetic the compile-time tableau checks need (`f64::abs` and iterator sums are not
//! `const`).

/// `|x|`.
pub(crate) const fn abs(x: f64) -> f64 {
    if x < 0.0 { -x } else { x }
}

/// `Σ xᵢ`, in order.
pub(crate) const fn sum(xs: &[f64]) -> f64 {
    let mut s = 0.0;
    let mut i = 0;
    while i < xs.len() {
        s += xs[i];
        i += 1;
    }
    s
}
