//! Version orderings, one per scheme an OSV range can name. Each parses
//! strictly enough to refuse what it cannot order — a version the scheme
//! cannot read is an error, reported as "could not be evaluated", never
//! guessed at.
//!
//! - [`Scheme::Semver`]: SemVer 2.0.0 precedence (the `semver` crate),
//!   leniently taking a leading `v` and missing minor or patch numbers
//!   (`v1.2` is `1.2.0`), as OSV's SEMVER ranges for Go and npm need.
//! - [`Scheme::Dpkg`]: Debian's ordering (Debian Policy §5.6.12: epoch,
//!   upstream version, revision; `~` before everything) by the
//!   `debversion` crate.
//! - [`Scheme::Pep440`]: PyPI's ordering (PEP 440: epochs, pre-, post- and
//!   development releases, local versions) by the `pep440_rs` crate.

use std::cmp::Ordering;

/// A version ordering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    Semver,
    Dpkg,
    Pep440,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{version:?} is not a {scheme:?} version: {reason}")]
pub struct VersionError {
    pub scheme: Scheme,
    pub version: String,
    pub reason: String,
}

/// A version parsed in its scheme, ready to compare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Version {
    Semver(semver::Version),
    Dpkg(debversion::Version),
    Pep440(pep440_rs::Version),
}

impl Scheme {
    /// The ordering of an OSV ecosystem's ECOSYSTEM ranges, if known here.
    /// `None` means the advisory's ranges for that ecosystem cannot be
    /// evaluated (reported as such, never as "not affected").
    pub fn for_ecosystem(ecosystem: &str) -> Option<Scheme> {
        // Distribution ecosystems carry a release: `Debian:12`, `Ubuntu:22.04:LTS`.
        let base = ecosystem.split(':').next().unwrap_or(ecosystem);
        match base {
            "Debian" | "Ubuntu" => Some(Scheme::Dpkg),
            "PyPI" => Some(Scheme::Pep440),
            // npm and crates.io versions are SemVer; Go module versions are
            // SemVer with a `v`.
            "npm" | "crates.io" | "Go" => Some(Scheme::Semver),
            _ => None,
        }
    }

    pub fn parse(self, v: &str) -> Result<Version, VersionError> {
        let err = |reason: String| VersionError { scheme: self, version: v.to_string(), reason };
        match self {
            Scheme::Semver => {
                let s = v.strip_prefix('v').unwrap_or(v);
                // Complete `1` and `1.2` to three numbers, before any
                // pre-release or build part.
                let cut = s.find(['-', '+']).unwrap_or(s.len());
                let (core, rest) = s.split_at(cut);
                let dots = core.matches('.').count();
                let core = match dots {
                    0 if !core.is_empty() => format!("{core}.0.0"),
                    1 => format!("{core}.0"),
                    _ => core.to_string(),
                };
                semver::Version::parse(&format!("{core}{rest}")).map(Version::Semver).map_err(|e| err(e.to_string()))
            }
            Scheme::Dpkg => {
                if v.is_empty() || v.chars().any(|c| c.is_whitespace() || c.is_control()) {
                    return Err(err("empty, or with spaces or control characters".into()));
                }
                // Policy §5.6.12: the epoch is a number (the crate is
                // lenient here; a guessed epoch would order wrongly).
                if let Some((epoch, _)) = v.split_once(':')
                    && (epoch.is_empty() || !epoch.bytes().all(|b| b.is_ascii_digit()))
                {
                    return Err(err(format!("the epoch {epoch:?} is not a number")));
                }
                v.parse::<debversion::Version>().map(Version::Dpkg).map_err(|e| err(format!("{e:?}")))
            }
            Scheme::Pep440 => v.parse::<pep440_rs::Version>().map(Version::Pep440).map_err(|e| err(e.to_string())),
        }
    }

    /// Compares two versions of this scheme.
    pub fn compare(self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        Ok(match (self.parse(a)?, self.parse(b)?) {
            (Version::Semver(a), Version::Semver(b)) => a.cmp_precedence(&b),
            (Version::Dpkg(a), Version::Dpkg(b)) => a.cmp(&b),
            (Version::Pep440(a), Version::Pep440(b)) => a.cmp(&b),
            // parse() gives one scheme's versions only.
            _ => Ordering::Equal,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ascending(scheme: Scheme, list: &[&str]) {
        for w in list.windows(2) {
            assert_eq!(scheme.compare(w[0], w[1]).unwrap(), Ordering::Less, "{} < {}", w[0], w[1]);
            assert_eq!(scheme.compare(w[1], w[0]).unwrap(), Ordering::Greater, "{} > {}", w[1], w[0]);
        }
    }

    #[test]
    fn semver_org_precedence_example() {
        // SemVer 2.0.0 §11.
        ascending(
            Scheme::Semver,
            &[
                "1.0.0-alpha",
                "1.0.0-alpha.1",
                "1.0.0-alpha.beta",
                "1.0.0-beta",
                "1.0.0-beta.2",
                "1.0.0-beta.11",
                "1.0.0-rc.1",
                "1.0.0",
                "2.0.0",
                "2.1.0",
                "2.1.1",
            ],
        );
        // Build metadata does not count (§10); `v` and short forms are read.
        assert_eq!(Scheme::Semver.compare("1.0.0+build.1", "1.0.0").unwrap(), Ordering::Equal);
        assert_eq!(Scheme::Semver.compare("v1.2", "1.2.0").unwrap(), Ordering::Equal);
        assert_eq!(Scheme::Semver.compare("1", "1.0.0").unwrap(), Ordering::Equal);
        for bad in ["", "v", "1.2.3.4", "01.2.3", "1.x", "latest", "1.2.3-"] {
            assert!(Scheme::Semver.parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn debian_policy_examples() {
        // Debian Policy §5.6.12: `~` sorts before everything, even the end.
        ascending(Scheme::Dpkg, &["1.0~~", "1.0~~a", "1.0~", "1.0", "1.0-1", "1.0-1+b1", "1.0a", "1.0.1", "1:0.1"]);
        ascending(Scheme::Dpkg, &["1.2.1-2.2+wheezy2", "1.2.1-2.2+wheezy3", "1.2.1-2.3", "1.6.2-1"]);
        assert_eq!(Scheme::Dpkg.compare("0:1.0", "1.0").unwrap(), Ordering::Equal);
        for bad in ["", "1.0 beta", "a:1.0"] {
            assert!(Scheme::Dpkg.parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ecosystems() {
        assert_eq!(Scheme::for_ecosystem("Debian:7"), Some(Scheme::Dpkg));
        assert_eq!(Scheme::for_ecosystem("Ubuntu:22.04:LTS"), Some(Scheme::Dpkg));
        assert_eq!(Scheme::for_ecosystem("PyPI"), Some(Scheme::Pep440));
        assert_eq!(Scheme::for_ecosystem("crates.io"), Some(Scheme::Semver));
        assert_eq!(Scheme::for_ecosystem("Go"), Some(Scheme::Semver));
        // Not (yet) known: their ranges are "cannot be evaluated".
        for unknown in ["Alpine:v3.18", "Maven", "OSS-Fuzz", "", "debian:12", "Packagist"] {
            assert_eq!(Scheme::for_ecosystem(unknown), None, "{unknown}");
        }
    }

    #[test]
    fn pep_440_examples() {
        // PEP 440, "Summary of permitted suffixes and relative ordering".
        ascending(
            Scheme::Pep440,
            &[
                "1.dev0",
                "1.0.dev456",
                "1.0a1",
                "1.0a2.dev456",
                "1.0a12.dev456",
                "1.0a12",
                "1.0b1.dev456",
                "1.0b2",
                "1.0b2.post345.dev456",
                "1.0b2.post345",
                "1.0rc1.dev456",
                "1.0rc1",
                "1.0",
                "1.0+abc.5",
                "1.0+abc.7",
                "1.0+5",
                "1.0.post456.dev34",
                "1.0.post456",
                "1.0.15",
                "1.1.dev1",
            ],
        );
        assert_eq!(Scheme::Pep440.compare("1.0", "1.0.0").unwrap(), Ordering::Equal);
        assert_eq!(Scheme::Pep440.compare("1!0.1", "2.0").unwrap(), Ordering::Greater, "epochs first");
        for bad in ["", "1.0-beta-x", "latest", "1..0"] {
            assert!(Scheme::Pep440.parse(bad).is_err(), "{bad:?}");
        }
    }

    fn pep440_strategy() -> impl Strategy<Value = String> {
        (
            proptest::option::of(0u32..2),
            0u32..3,
            0u32..3,
            proptest::option::of("(a|b|rc)[0-9]"),
            proptest::option::of("\\.post[0-9]"),
            proptest::option::of("\\.dev[0-9]"),
        )
            .prop_map(|(epoch, a, b, pre, post, dev)| {
                format!(
                    "{}{a}.{b}{}{}{}",
                    epoch.map(|e| format!("{e}!")).unwrap_or_default(),
                    pre.unwrap_or_default(),
                    post.unwrap_or_default(),
                    dev.unwrap_or_default()
                )
            })
    }

    fn semver_strategy() -> impl Strategy<Value = String> {
        (0u64..4, 0u64..4, 0u64..4, proptest::option::of("(alpha|beta|rc)(\\.[0-9]{1,2})?")).prop_map(
            |(a, b, c, pre)| match pre {
                Some(p) => format!("{a}.{b}.{c}-{p}"),
                None => format!("{a}.{b}.{c}"),
            },
        )
    }

    fn dpkg_strategy() -> impl Strategy<Value = String> {
        (proptest::option::of(0u32..3), "[0-9][0-9a-z.+~]{0,6}", proptest::option::of("[0-9a-z+.~]{1,4}")).prop_map(
            |(epoch, upstream, revision)| {
                let mut v = epoch.map(|e| format!("{e}:")).unwrap_or_default();
                v.push_str(&upstream);
                if let Some(r) = revision {
                    v.push('-');
                    v.push_str(&r);
                }
                v
            },
        )
    }

    fn total_order(scheme: Scheme, a: &str, b: &str, c: &str) -> Result<(), TestCaseError> {
        let (Ok(ab), Ok(ba), Ok(bc), Ok(ac)) =
            (scheme.compare(a, b), scheme.compare(b, a), scheme.compare(b, c), scheme.compare(a, c))
        else {
            return Ok(()); // not all valid: nothing to order
        };
        prop_assert_eq!(ab, ba.reverse(), "antisymmetric: {} {}", a, b);
        prop_assert_eq!(scheme.compare(a, a).ok(), Some(Ordering::Equal));
        if ab != Ordering::Greater && bc != Ordering::Greater {
            prop_assert_ne!(ac, Ordering::Greater, "transitive: {} {} {}", a, b, c);
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn semver_is_a_total_order(a in semver_strategy(), b in semver_strategy(), c in semver_strategy()) {
            total_order(Scheme::Semver, &a, &b, &c)?;
        }

        #[test]
        fn dpkg_is_a_total_order(a in dpkg_strategy(), b in dpkg_strategy(), c in dpkg_strategy()) {
            total_order(Scheme::Dpkg, &a, &b, &c)?;
        }

        #[test]
        fn pep440_is_a_total_order(a in pep440_strategy(), b in pep440_strategy(), c in pep440_strategy()) {
            total_order(Scheme::Pep440, &a, &b, &c)?;
        }

        #[test]
        fn parsing_never_panics(s in "\\PC{0,40}") {
            let _ = Scheme::Semver.parse(&s);
            let _ = Scheme::Dpkg.parse(&s);
            let _ = Scheme::Pep440.parse(&s);
        }
    }
}
