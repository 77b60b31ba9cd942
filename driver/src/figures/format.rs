//! Numbers as the charts print them: value labels and axis ticks.

/// A value label: `decimals` if given, else 3 significant digits (whole numbers below a
/// million exactly), with k/M/G/T suffixes from a million.
pub fn format_value(v: f64, decimals: Option<usize>) -> String {
    if let Some(d) = decimals {
        return format!("{v:.d$}");
    }
    let a = v.abs();
    if a >= 1e6 {
        let (div, suffix) = [(1e12, "T"), (1e9, "G"), (1e6, "M")]
            .into_iter()
            .find(|(d, _)| a >= *d)
            .expect("a >= 1e6");
        return format!("{}{suffix}", sig3(v / div));
    }
    if v.fract() == 0.0 || a >= 100.0 {
        return format!("{v:.0}");
    }
    sig3(v)
}

/// Three significant digits without exponent.
fn sig3(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        return "0".into();
    }
    let decimals = (2 - a.log10().floor() as i32).max(0) as usize;
    format!("{v:.decimals$}")
}

/// An axis tick: the shortest form at up to 6 significant digits (0.25, 1.5, 1000), with
/// k/M/G/T suffixes from ten thousand (20k, 2.5M), so that ticks stay short and alike.
pub fn format_tick(v: f64) -> String {
    fn trimmed(v: f64) -> String {
        let s = format!("{v:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
    let a = v.abs();
    if a == 0.0 {
        return "0".into();
    }
    if a < 1e-3 {
        return format!("{v:.0e}");
    }
    for (from, div, suffix) in [
        (1e12, 1e12, "T"),
        (1e9, 1e9, "G"),
        (1e6, 1e6, "M"),
        (1e4, 1e3, "k"),
    ] {
        if a >= from {
            // Round to 3 decimals of the unit first, so 2.4999999M reads 2.5M.
            return format!("{}{suffix}", trimmed((v / div * 1e3).round() / 1e3));
        }
    }
    trimmed(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_labels() {
        assert_eq!(format_value(42.0, None), "42");
        assert_eq!(format_value(123456.0, None), "123456");
        assert_eq!(format_value(1234567.0, None), "1.23M");
        assert_eq!(format_value(25_000_000_000.0, None), "25.0G");
        assert_eq!(format_value(4.56789, None), "4.57");
        assert_eq!(format_value(0.012345, None), "0.0123");
        assert_eq!(format_value(-12.345, None), "-12.3");
        assert_eq!(format_value(1.5, Some(3)), "1.500");
    }

    #[test]
    fn ticks() {
        assert_eq!(format_tick(0.25), "0.25");
        assert_eq!(format_tick(1000.0), "1000");
        assert_eq!(format_tick(0.0), "0");
        assert_eq!(format_tick(2e6), "2M");
        assert_eq!(format_tick(2.5e6), "2.5M");
        assert_eq!(format_tick(500_000.0), "500k");
        assert_eq!(format_tick(5000.0), "5000");
        assert_eq!(format_tick(-20_000.0), "-20k");
        assert_eq!(format_tick(0.0001), "1e-4");
    }
}
