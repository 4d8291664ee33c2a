//! ln ₂F₁(a, b; c; z) for 0 ≤ z < 1 by its power series, rescaled as it grows so that the
//! large frequencies of heavy buyers do not overflow.

/// Terms summed at most before the series is declared not to converge.
const MAX_TERMS: usize = 1_000_000;
/// Where a partial sum is rescaled, far below f64's overflow at 1.8e308.
const RESCALE: f64 = 1e250;

/// ln ₂F₁(a, b; c; z) for a, b, c > 0 and 0 ≤ z < 1, where every term of the series is
/// positive; `None` outside that domain or when 10⁶ terms do not reach a relative 1e-16.
pub(crate) fn ln_hyp2f1(a: f64, b: f64, c: f64, z: f64) -> Option<f64> {
    if !(a > 0.0 && b > 0.0 && c > 0.0 && (0.0..1.0).contains(&z)) {
        return None;
    }
    if z == 0.0 {
        return Some(0.0);
    }
    // Σ term as exp(scale) · sum, with term and sum divided by RESCALE whenever the term
    // outgrows it: plain products per term, logarithms only when rescaling.
    let (mut scale, mut sum, mut term) = (0.0f64, 1.0f64, 1.0f64);
    for j in 0..MAX_TERMS {
        let j = j as f64;
        let ratio = (a + j) * (b + j) / ((c + j) * (j + 1.0)) * z;
        term *= ratio;
        sum += term;
        if term > RESCALE {
            term /= RESCALE;
            sum /= RESCALE;
            scale += RESCALE.ln();
        }
        // The ratios tend to z; once below 1 they stay below max(next ratio, z), so the
        // rest is below term · q / (1 − q).
        let next = (a + j + 1.0) * (b + j + 1.0) / ((c + j + 1.0) * (j + 2.0)) * z;
        let bound = next.max(z);
        if next < 1.0 && ratio < 1.0 && term * bound / (1.0 - bound) < sum * 1e-16 {
            return Some(scale + sum.ln());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::ln_hyp2f1;

    /// Reference values from mpmath 1.3 (`mpmath.hyp2f1`, 30 digits).
    #[test]
    fn matches_mpmath() {
        for (a, b, c, z, expected) in [
            (1.0, 1.0, 2.0, 0.5, 1.386_294_361_119_890_6),
            (2.243, 4.426, 4.219, 39.0 / 82.274, 4.575_315_897_643_69),
            (0.5, 0.5, 1.5, 0.99, 1.478_037_662_374_77),
        ] {
            let got = ln_hyp2f1(a, b, c, z).unwrap().exp();
            assert!(
                (got - expected).abs() < 1e-12 * expected,
                "2F1({a}, {b}; {c}; {z}) = {got}, expected {expected}"
            );
        }
    }

    #[test]
    fn huge_parameters_stay_in_log_space() {
        let ln = ln_hyp2f1(5002.0, 5003.0, 5002.5, 0.1).unwrap();
        assert!(
            ln.is_finite() && (ln - 527.065_974_580_724_9).abs() < 1e-8,
            "{ln}"
        );
    }

    #[test]
    fn outside_the_domain_is_none() {
        assert!(ln_hyp2f1(1.0, 1.0, 2.0, 1.0).is_none());
        assert!(ln_hyp2f1(1.0, 1.0, -0.5, 0.5).is_none());
        assert_eq!(ln_hyp2f1(1.0, 1.0, 2.0, 0.0), Some(0.0));
    }
}
