//! MinHash signatures over character shingles, and LSH banding.
//!
//! A text is folded as its exact-duplicate fingerprint folds it (`domain::folded`: NFKC, lower case,
//! letters and digits only), cut into overlapping shingles of `SHINGLE` characters, and each shingle
//! hashed to 64 bits. The signature is, for each of `PERMUTATIONS` hash functions, the least hash of
//! any shingle: two texts agree on one position with probability equal to the Jaccard similarity of
//! their shingle sets. The hash family is fixed (seeded from `SEED`), so every instance, every restart
//! and the backfill compute the same signatures.
//!
//! LSH: the signature is cut into `bands` bands of `rows` rows; two texts become candidates when they
//! agree on a whole band, which happens with probability `1 - (1 - J^rows)^bands`, an S-curve whose
//! steep part sits near the threshold. `Banding::for_threshold` picks the bands and rows (with
//! `bands * rows <= PERMUTATIONS`) that minimise the weighted false positives below the threshold plus
//! the false negatives above it, as datasketch's `MinHashLSH` does, with a missed pair weighing four
//! times a false candidate (`FALSE_NEGATIVE_WEIGHT`): a campaign letter left out of its group costs
//! staff a separate answer, while texts just under the threshold are near duplicates all the same, and
//! unrelated comments (similarity under 0.3) become candidates with a probability under 1 %.

/// Characters per shingle.
pub const SHINGLE: usize = 3;
/// Hash functions in a signature.
pub const PERMUTATIONS: usize = 128;
/// The seed of the hash family. Changing it changes every band key: the groups would have to be
/// rebuilt (`gongkai backfill-similar --rebuild`).
const SEED: u64 = 0x6f6e_676b_6169_5f73;

/// SplitMix64's finaliser: a bijective 64-bit mix with good avalanche.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The per-function seeds, from the fixed SEED.
fn seeds() -> &'static [u64; PERMUTATIONS] {
    static SEEDS: std::sync::OnceLock<[u64; PERMUTATIONS]> = std::sync::OnceLock::new();
    SEEDS.get_or_init(|| {
        let mut state = SEED;
        let mut seeds = [0u64; PERMUTATIONS];
        for seed in &mut seeds {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            *seed = mix(state);
        }
        seeds
    })
}

/// The 64-bit hash of a shingle (FNV-1a over its characters, then mixed).
fn shingle_hash(chars: &[char]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for c in chars {
        h ^= u64::from(u32::from(*c));
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    mix(h)
}

/// The distinct shingle hashes of a folded text (one shingle, the whole text, when it is shorter).
pub fn shingles(folded: &str) -> Vec<u64> {
    let chars: Vec<char> = folded.chars().collect();
    let mut hashes: Vec<u64> = if chars.len() <= SHINGLE {
        vec![shingle_hash(&chars)]
    } else {
        chars.windows(SHINGLE).map(shingle_hash).collect()
    };
    hashes.sort_unstable();
    hashes.dedup();
    hashes
}

/// The MinHash signature of a folded text.
pub fn signature(folded: &str) -> [u64; PERMUTATIONS] {
    let mut signature = [u64::MAX; PERMUTATIONS];
    for shingle in shingles(folded) {
        for (slot, seed) in signature.iter_mut().zip(seeds()) {
            let h = mix(shingle ^ seed);
            if h < *slot {
                *slot = h;
            }
        }
    }
    signature
}

/// The share of positions where two signatures agree: the estimate of their texts' Jaccard similarity.
pub fn estimate(a: &[u64; PERMUTATIONS], b: &[u64; PERMUTATIONS]) -> f64 {
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as f64 / PERMUTATIONS as f64
}

/// The weight of a missed pair against that of a false candidate (0.8 : 0.2).
const FALSE_NEGATIVE_WEIGHT: f64 = 0.8;

/// How a signature is cut into bands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Banding {
    pub bands: usize,
    pub rows: usize,
}

impl Banding {
    /// The bands and rows for a Jaccard threshold in (0, 1): those minimising the weighted probability
    /// of a false candidate below the threshold plus that of a missed pair above it.
    pub fn for_threshold(threshold: f64) -> Self {
        let threshold = threshold.clamp(0.01, 0.99);
        let mut best = (f64::MAX, Banding { bands: 1, rows: PERMUTATIONS });
        for bands in 1..=PERMUTATIONS {
            for rows in 1..=PERMUTATIONS / bands {
                let banding = Banding { bands, rows };
                let false_positive = integrate(|s| banding.candidate_probability(s), 0.0, threshold);
                let false_negative = integrate(|s| 1.0 - banding.candidate_probability(s), threshold, 1.0);
                let error = (1.0 - FALSE_NEGATIVE_WEIGHT) * false_positive + FALSE_NEGATIVE_WEIGHT * false_negative;
                if error < best.0 {
                    best = (error, banding);
                }
            }
        }
        best.1
    }

    /// The probability that two texts of Jaccard similarity `s` share at least one band.
    pub fn candidate_probability(&self, s: f64) -> f64 {
        1.0 - (1.0 - s.powi(self.rows as i32)).powi(self.bands as i32)
    }

    /// The band keys of a signature: one 63-bit key per band (its index and its rows hashed), so keys
    /// of different bands never meet.
    pub fn keys(&self, signature: &[u64; PERMUTATIONS]) -> Vec<i64> {
        (0..self.bands)
            .map(|band| {
                let mut h = mix(SEED ^ band as u64);
                for value in &signature[band * self.rows..(band + 1) * self.rows] {
                    h = mix(h ^ value);
                }
                (h >> 1) as i64
            })
            .collect()
    }
}

/// The integral of `f` over [a, b] by the midpoint rule.
fn integrate(f: impl Fn(f64) -> f64, a: f64, b: f64) -> f64 {
    const STEPS: usize = 200;
    let width = (b - a) / STEPS as f64;
    (0..STEPS).map(|i| f(a + (i as f64 + 0.5) * width)).sum::<f64>() * width
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jaccard(a: &str, b: &str) -> f64 {
        let (a, b) = (shingles(a), shingles(b));
        let a: std::collections::HashSet<_> = a.into_iter().collect();
        let b: std::collections::HashSet<_> = b.into_iter().collect();
        a.intersection(&b).count() as f64 / a.union(&b).count() as f64
    }

    const LETTER: &str = "我们强烈要求在本小区东侧增设公交站点并延长末班车运营时间方便老年人和上班族出行同时希望改善人行道照明确保夜间行人安全";

    #[test]
    fn the_estimate_is_close_to_the_true_jaccard_similarity() {
        let edited = LETTER.replace("强烈", "").replace("老年人", "老人") + "谢谢";
        let pairs = [(LETTER.to_owned(), edited), (LETTER.to_owned(), "完全无关的另一条意见关于垃圾分类和社区绿化的建议".to_owned())];
        for (a, b) in pairs {
            let truth = jaccard(&a, &b);
            let estimate = estimate(&signature(&a), &signature(&b));
            // The standard error at 128 functions is at most 0.044; allow about three of them.
            assert!((truth - estimate).abs() < 0.13, "jaccard {truth}, estimate {estimate}");
        }
    }

    #[test]
    fn identical_texts_have_identical_signatures_and_keys() {
        let banding = Banding::for_threshold(0.7);
        assert_eq!(signature(LETTER), signature(LETTER));
        assert_eq!(banding.keys(&signature(LETTER)), banding.keys(&signature(LETTER)));
        assert_eq!(estimate(&signature(LETTER), &signature(LETTER)), 1.0);
    }

    #[test]
    fn the_signature_is_fixed_across_builds_and_instances() {
        // Pinned values: a changed hash family or seed would silently split every stored group from
        // the comments still to come (the groups would then need `backfill-similar --rebuild`).
        let signature = signature("abcdef");
        assert_eq!(signature[0], 1_722_367_786_908_924_004);
        assert_eq!(Banding { bands: 2, rows: 2 }.keys(&signature), [6_642_289_435_165_641_896, 2_842_432_930_389_801_487]);
    }

    #[test]
    fn the_banding_puts_the_steep_part_of_the_curve_at_the_threshold() {
        for threshold in [0.5, 0.7, 0.85] {
            let banding = Banding::for_threshold(threshold);
            assert!(banding.bands * banding.rows <= PERMUTATIONS);
            assert!(banding.candidate_probability(threshold - 0.3) < 0.1, "{banding:?} at {threshold}");
            assert!(banding.candidate_probability(threshold - 0.2) < 0.3, "{banding:?} at {threshold}");
            assert!(banding.candidate_probability((threshold + 0.1).min(0.99)) > 0.9, "{banding:?} at {threshold}");
        }
        // The default: 18 bands of 7 rows; unrelated texts almost never meet.
        assert_eq!(Banding::for_threshold(0.7), Banding { bands: 18, rows: 7 });
        assert!(Banding::for_threshold(0.7).candidate_probability(0.3) < 0.01);
    }

    #[test]
    fn short_texts_have_one_shingle() {
        assert_eq!(shingles("ab").len(), 1);
        assert_eq!(shingles("abcd").len(), 2);
        assert_eq!(shingles("aaaa").len(), 1);
    }
}
