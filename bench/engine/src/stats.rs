//! The statistics every figure is made with, defined once.
//!
//! * **Median**: the middle value of a set, or the mean of the two middle
//!   values when the count is even. It is used for a round's round-trip
//!   samples and for a figure's values over rounds alike.
//! * **p99**: the 99th percentile by *nearest rank*: sort the `n` samples
//!   and take the one at rank `⌈0.99 · n⌉` (counting from 1), the smallest
//!   sample that at least 99% of the samples do not exceed. It is always a
//!   latency that was measured, never an interpolation between two; it is
//!   the largest sample when there are fewer than 100; and it needs no
//!   rounding rule of its own, so every consumer of the engine reports the
//!   same p99 for the same samples.
//! * **Spread**: the lowest and the highest value over rounds.

/// The share of samples at or below the p99.
const P99: f64 = 0.99;

/// The median of `values` (the mean of the middle two for an even count);
/// NaN when there are none.
pub fn median(values: impl IntoIterator<Item = f64>) -> f64 {
    median_of_sorted(&sorted(values))
}

/// The median of values sorted in ascending order; NaN when there are none.
pub fn median_of_sorted(sorted: &[f64]) -> f64 {
    let middle = sorted.len() / 2;
    match sorted.len() {
        0 => f64::NAN,
        len if len % 2 == 1 => sorted[middle],
        _ => (sorted[middle - 1] + sorted[middle]) / 2.0,
    }
}

/// The 99th percentile of samples sorted in ascending order, by nearest
/// rank; NaN when there are none.
pub fn p99_of_sorted(sorted: &[f64]) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (P99 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The lowest and the highest of `values`; NaNs when there are none.
pub fn range(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    let sorted = sorted(values);
    match (sorted.first(), sorted.last()) {
        (Some(&lowest), Some(&highest)) => (lowest, highest),
        _ => (f64::NAN, f64::NAN),
    }
}

/// `values` in ascending order.
pub fn sorted(values: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut values: Vec<f64> = values.into_iter().collect();
    values.sort_unstable_by(f64::total_cmp);
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_to(n: u32) -> Vec<f64> {
        (1..=n).map(f64::from).collect()
    }

    #[test]
    fn p99_is_the_nearest_rank() {
        assert_eq!(p99_of_sorted(&one_to(100)), 99.0);
        assert_eq!(p99_of_sorted(&one_to(1000)), 990.0);
        // ⌈0.99 · 70⌉ = 70: rounding (n − 1) · 0.99 would pick the 69th.
        assert_eq!(p99_of_sorted(&one_to(70)), 70.0);
        assert_eq!(p99_of_sorted(&one_to(250)), 248.0);
        assert_eq!(p99_of_sorted(&[7.0]), 7.0);
        assert!(p99_of_sorted(&[]).is_nan());
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median([3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median([4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median([]).is_nan());
    }

    #[test]
    fn range_is_the_lowest_and_the_highest() {
        assert_eq!(range([3.0, 1.0, 2.0]), (1.0, 3.0));
        assert_eq!(range([5.0]), (5.0, 5.0));
        assert!(range([]).0.is_nan());
    }
}
