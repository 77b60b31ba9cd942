//! Glob-like name patterns: `*` matches a run of characters other than `.` and `:` (one name
//! component, possibly empty), `**` matches any run. Why not regular expressions: stat names
//! are full of `.` and the patterns the experiments need are "every CPU", which a glob says
//! without escaping.

/// The part of `pattern` before its first wildcard; every match starts with it.
pub(super) fn literal_prefix(pattern: &str) -> &str {
    &pattern[..pattern.find('*').unwrap_or(pattern.len())]
}

/// True if `name` matches `pattern` as a whole.
///
/// Why not backtracking: trying every length for every wildcard takes time exponential in
/// the number of wildcards (a pattern like `*.*****e+**` never finished on a long name).
/// This walks the pattern once, keeping the set of name positions the pattern so far can
/// end at: time `pattern.len() × name.len()`, whatever the pattern.
pub(super) fn matches(pattern: &str, name: &str) -> bool {
    if !pattern.contains('*') {
        return pattern == name;
    }
    let (p, n) = (pattern.as_bytes(), name.as_bytes());
    // at[j]: the pattern read so far matches exactly `n[..j]`.
    let mut at = vec![false; n.len() + 1];
    at[0] = true;
    let mut next = at.clone();
    let mut i = 0;
    while i < p.len() && at.contains(&true) {
        next.fill(false);
        if p[i] == b'*' && p.get(i + 1) == Some(&b'*') {
            // `**`: any run, so every position from the first reachable one on.
            let first = at.iter().position(|&a| a).expect("checked above");
            next[first..].fill(true);
            i += 2;
        } else if p[i] == b'*' {
            // `*`: from each reachable position, onwards until a `.` or `:`.
            for j in 0..=n.len() {
                next[j] = at[j] || (j > 0 && next[j - 1] && !matches!(n[j - 1], b'.' | b':'));
            }
            i += 1;
        } else {
            for j in 0..n.len() {
                next[j + 1] = at[j] && n[j] == p[i];
            }
            i += 1;
        }
        std::mem::swap(&mut at, &mut next);
    }
    i == p.len() && at[n.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_stays_in_one_component() {
        let p = "system.cpu_cluster.cpus*.numCycles";
        assert!(matches(p, "system.cpu_cluster.cpus.numCycles"));
        assert!(matches(p, "system.cpu_cluster.cpus0.numCycles"));
        assert!(matches(p, "system.cpu_cluster.cpus15.numCycles"));
        assert!(!matches(p, "system.cpu_cluster.cpus0.x.numCycles"));
        assert!(!matches(p, "system.cpu_cluster.cpus0.numCyclesX"));
        assert!(!matches("a::*", "a::b::c"));
        assert!(matches("a::*", "a::"));
        assert!(matches("*", "simTicks"));
        assert!(!matches("*", "system.x"));
    }

    #[test]
    fn double_star_crosses_components() {
        assert!(matches(
            "system.**.numCycles",
            "system.cpu_cluster.cpus0.numCycles"
        ));
        assert!(matches("**", "a.b::c"));
        assert!(matches("a**b*c", "a.x.b_yc"));
        assert!(!matches("a**b*c", "a.x.b.c"));
        // `***` is `**` then `*`.
        assert!(matches("a***", "a.b.c"));
        assert!(matches("*:**", "x::y.z"));
        assert!(!matches("*:**", "x.y::z"));
    }

    #[test]
    fn many_wildcards_take_linear_time() {
        // Found by fuzzing: the digits of a bucket name made wildcards, and a backtracking
        // matcher took minutes on a name that does not match.
        let name = format!("{}::1.04858e+06-2.09715e+06", "system.cpu.x".repeat(40));
        let pattern = "*.*****e+**-*.*****e+**".repeat(8);
        assert!(!matches(&pattern, &name));
        assert!(matches("**::*.*****e+**-*.*****e+**", &name));
        assert!(!matches("**::*.*****e+**-*.*****e+**X", &name));
    }

    #[test]
    fn literal() {
        assert!(matches("simTicks", "simTicks"));
        assert!(!matches("simTicks", "simTicksX"));
        assert_eq!(literal_prefix("system.cpus*.x"), "system.cpus");
        assert_eq!(literal_prefix("simTicks"), "simTicks");
    }
}
