//! Validation of the user's output times.

use crate::SolveError;

/// Checks that `ts` is non-empty, finite and strictly monotonic; returns the direction of
/// integration (`1.0` forward, `-1.0` backward; `1.0` for a single time).
pub fn validate_time_grid(ts: &[f64]) -> Result<f64, SolveError> {
    if ts.is_empty() {
        return Err(SolveError::EmptyTimeGrid);
    }
    if let Some((index, &value)) = ts.iter().enumerate().find(|(_, t)| !t.is_finite()) {
        return Err(SolveError::NonFiniteTime { index, value });
    }
    if ts.len() == 1 {
        return Ok(1.0);
    }
    let dir = if ts[1] > ts[0] { 1.0 } else { -1.0 };
    for (i, w) in ts.windows(2).enumerate() {
        if (w[1] - w[0]) * dir <= 0.0 {
            return Err(SolveError::NonMonotonicTimes {
                index: i + 1,
                previous: w[0],
                next: w[1],
            });
        }
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_increasing_and_decreasing_grids() {
        assert_eq!(validate_time_grid(&[0.0, 1.0, 2.0]), Ok(1.0));
        assert_eq!(validate_time_grid(&[2.0, 1.0, -3.0]), Ok(-1.0));
        assert_eq!(validate_time_grid(&[5.0]), Ok(1.0));
    }

    #[test]
    fn rejects_bad_grids_with_the_position() {
        assert_eq!(validate_time_grid(&[]), Err(SolveError::EmptyTimeGrid));
        assert_eq!(
            validate_time_grid(&[0.0, 1.0, 1.0]),
            Err(SolveError::NonMonotonicTimes {
                index: 2,
                previous: 1.0,
                next: 1.0
            })
        );
        assert_eq!(
            validate_time_grid(&[0.0, 2.0, 1.0]),
            Err(SolveError::NonMonotonicTimes {
                index: 2,
                previous: 2.0,
                next: 1.0
            })
        );
        assert!(matches!(
            validate_time_grid(&[0.0, f64::NAN]),
            Err(SolveError::NonFiniteTime { index: 1, .. })
        ));
    }
}
