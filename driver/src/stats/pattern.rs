//! Glob-like name patterns: `*` matches a run of characters other than `.` and `:` (one name
//! component, possibly empty), `**` matches any run. Why not regular expressions: stat names
//! are full of `.` and the patterns the experiments need are "every CPU", which a glob says
//! without escaping.

/// The part of `pattern` before its first wildcard; every match starts with it.
pub(super) fn literal_prefix(pattern: &str) -> &str {
    &pattern[..pattern.find('*').unwrap_or(pattern.len())]
}

/// True if `name` matches `pattern` as a whole.
pub(super) fn matches(pattern: &str, name: &str) -> bool {
    matches_bytes(pattern.as_bytes(), name.as_bytes())
}

fn matches_bytes(p: &[u8], n: &[u8]) -> bool {
    match p.first() {
        None => n.is_empty(),
        Some(b'*') => {
            let any = p.get(1) == Some(&b'*');
            let rest = if any { &p[2..] } else { &p[1..] };
            // Try every length the wildcard can take, shortest first.
            for k in 0..=n.len() {
                if matches_bytes(rest, &n[k..]) {
                    return true;
                }
                if k < n.len() && !any && matches!(n[k], b'.' | b':') {
                    return false;
                }
            }
            false
        }
        Some(&c) => n.first() == Some(&c) && matches_bytes(&p[1..], &n[1..]),
    }
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
    }

    #[test]
    fn literal() {
        assert!(matches("simTicks", "simTicks"));
        assert!(!matches("simTicks", "simTicksX"));
        assert_eq!(literal_prefix("system.cpus*.x"), "system.cpus");
        assert_eq!(literal_prefix("simTicks"), "simTicks");
    }
}
