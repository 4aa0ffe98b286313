//! The seeded random source of the synthetic outputs (SIM-OUT-1).
//!
//! Only `ChaCha8Rng::next_u64` is used; every range and choice is derived from it here
//! with integer arithmetic. `rand`'s own distributions are not value-stable across
//! releases, ChaCha's keystream is, so an output seed gives the same result on every
//! platform and every dependency update.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

/// A deterministic random source seeded by a 32-byte output seed.
pub(crate) struct SynthRng(ChaCha8Rng);

impl SynthRng {
    /// A generator for `seed` (SIM-OUT-1's output seed).
    pub(crate) fn new(seed: [u8; 32]) -> Self {
        Self(ChaCha8Rng::from_seed(seed))
    }

    /// The next raw 64 bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `0..n`; `0` when `n == 0` (callers never pass it, but it must not panic).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        // Rejection sampling: draws below `2^64 mod n` would favour small values.
        let threshold = n.wrapping_neg() % n;
        loop {
            let v = self.next_u64();
            if v >= threshold {
                return v % n;
            }
        }
    }

    /// Uniform in the inclusive range `lo..=hi`; `lo` when `hi < lo`.
    pub(crate) fn range_i64(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        let span = (i128::from(hi) - i128::from(lo)) as u128 + 1;
        let offset = match u64::try_from(span) {
            Ok(n) => i128::from(self.below(n)),
            // The full i64 range: every 64-bit value is equally likely.
            Err(_) => return self.next_u64() as i64,
        };
        // In range by construction: lo + offset ≤ hi.
        (i128::from(lo) + offset) as i64
    }

    /// Uniform index into a collection of `len` items (`0` when empty).
    pub(crate) fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// A fair coin.
    pub(crate) fn coin(&mut self) -> bool {
        self.next_u64() >> 63 == 1
    }

    /// A uniformly chosen element, `None` when `items` is empty.
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() { None } else { items.get(self.index(items.len())) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_ranges_hold() {
        let mut a = SynthRng::new([7; 32]);
        let mut b = SynthRng::new([7; 32]);
        for _ in 0..200 {
            let (x, y) = (a.range_i64(-3, 5), b.range_i64(-3, 5));
            assert_eq!(x, y);
            assert!((-3..=5).contains(&x));
        }
        assert_eq!(a.range_i64(4, 4), 4);
        assert_eq!(a.range_i64(9, 1), 9);
        assert_eq!(a.below(0), 0);
        let _ = a.range_i64(i64::MIN, i64::MAX);
        assert!(a.pick::<u8>(&[]).is_none());
    }

    #[test]
    fn chacha_stream_is_pinned() {
        // Guards portability: a dependency update that changed the stream would change
        // every simulator output (SIM-OUT-1).
        let mut r = SynthRng::new([0; 32]);
        let first = r.next_u64();
        let mut again = SynthRng::new([0; 32]);
        assert_eq!(first, again.next_u64());
        assert_eq!(format!("{first:016x}"), PINNED_FIRST_U64);
    }

    const PINNED_FIRST_U64: &str = "d6405f892fef003e";
}
