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
//! - [`Scheme::Apk`]: Alpine's ordering (apk-tools' `version.c`: numbers,
//!   a letter, `_alpha`…`_rc` before the release and `_cvs`…`_p` after it,
//!   `-rN` revisions), written here ([`ApkVersion`]).
//! - [`Scheme::Maven`]: Maven's ordering (`ComparableVersion`: qualifiers
//!   `alpha` < `beta` < `milestone` < `rc` < `snapshot` < release < `sp`,
//!   trailing zeros trimmed), written here ([`MavenVersion`]).

use std::cmp::Ordering;

mod apk;
mod maven;

pub use apk::ApkVersion;
pub use maven::MavenVersion;

/// A version ordering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    Semver,
    Dpkg,
    Pep440,
    Apk,
    Maven,
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
    Apk(ApkVersion),
    Maven(MavenVersion),
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
            // Wolfi and Chainguard build with apk-tools too.
            "Alpine" | "Wolfi" | "Chainguard" => Some(Scheme::Apk),
            "Maven" => Some(Scheme::Maven),
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
            Scheme::Apk => ApkVersion::parse(v).map(Version::Apk).map_err(err),
            Scheme::Maven => MavenVersion::parse(v).map(Version::Maven).map_err(err),
        }
    }

    /// Compares two versions of this scheme.
    pub fn compare(self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        Ok(match (self.parse(a)?, self.parse(b)?) {
            (Version::Semver(a), Version::Semver(b)) => a.cmp_precedence(&b),
            (Version::Dpkg(a), Version::Dpkg(b)) => a.cmp(&b),
            (Version::Pep440(a), Version::Pep440(b)) => a.cmp(&b),
            (Version::Apk(a), Version::Apk(b)) => a.cmp(&b),
            (Version::Maven(a), Version::Maven(b)) => a.cmp(&b),
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

    /// Each `a op b` holds, and its converse.
    fn relations(scheme: Scheme, lines: &[&str]) {
        for line in lines {
            let [a, op, b] = line.split(' ').collect::<Vec<_>>()[..] else { panic!("{line}") };
            let want = match op {
                "<" => Ordering::Less,
                "=" | "==" => Ordering::Equal,
                ">" => Ordering::Greater,
                _ => panic!("{line}"),
            };
            assert_eq!(scheme.compare(a, b).unwrap(), want, "{line}");
            assert_eq!(scheme.compare(b, a).unwrap(), want.reverse(), "{line} reversed");
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
        assert_eq!(Scheme::for_ecosystem("Alpine:v3.18"), Some(Scheme::Apk));
        assert_eq!(Scheme::for_ecosystem("Maven"), Some(Scheme::Maven));
        // Not (yet) known: their ranges are "cannot be evaluated".
        for unknown in ["OSS-Fuzz", "", "debian:12", "alpine:v3.18", "Packagist"] {
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

    #[test]
    fn apk_tools_examples() {
        // apk-tools, test/version.data (the unit test data of apk-tools 3).
        relations(
            Scheme::Apk,
            &[
                "2.34 > 0.1.0_alpha",
                "0.1.0_alpha < 0.1.3_alpha",
                "0.1.0_alpha2 > 0.1.0_alpha",
                "1.0.4-r3 < 1.0.4-r4",
                "1.1 > 1.1_alpha1",
                "1.2.1 > 1.2",
                "0.8_beta1 < 0.8_beta2",
                "2.3.0b-r1 < 2.3.0b-r2",
                "0.2.0-r1 = 0.2.0-r1",
                "3.1_p16 < 3.1_p17",
                "1.06-r6 < 006",
                "1.2.2-r1 > 1.2.2",
                "2.01.01_alpha10 > 0.94",
                "1.0 > 0.99.3.20040818",
                "1.39 > 1.00_beta2",
                "1.02 < 1.03-r1",
                "2.0.0_rc3-r1 > 1.5",
                "3.9_pre20060124 > 0.01",
                "0.10.0 < 0.10.1_rc1",
                "2.5.1-r8 < 2.5.1a-r1",
                "1.1a < 1.3a",
                "0.15.1b-r2 > 0.15.1b",
                "2.10.1 > 02.08.01b",
                "1.2.07.8 < 1.2.12.04",
                "0.59s-r11 < 0.65",
                "4.01 < 4.20",
                "0.20070118 < 0.20070207_rc1",
                "2.3.30-r2 < 3.7_p1",
                "4.5_p1-r1 > 4.5_p1",
                "0.9.8c-r1 < 0.9.8d",
                "1.7 < 1.7b",
                "1.8.5 < 1.8.5_p2",
                "2.9.11_pre20051101-r3 > 2.9.11_pre20051101",
                "1.6.8_p12-r1 > 1.6.8_p9-r2",
                "0.9.28-r2 < 0.9.28.1",
                "2.12r-r4 < 2.12r-r5",
                "7.0.17 < 7.0.174",
                "1.3_pre1-r1 < 1.3.2",
                "1.0_p10-r0 > 1.0_p9-r0",
                "0.1.0_alpha_pre2 < 0.1.0_alpha",
                "1.0.0_pre20191002222144-r0 < 1.0.0_pre20210530193627-r0",
                "6.0_pre1 < 6.0",
                "6.1_p1 > 6.1",
                "8.2.0 < 8.2.001",
                "8.2.0015 < 8.2.002",
                "1.0~1234 < 1.0~2345",
                "1.0~1234-r1 < 1.0~2345-r0",
                "1.0~1234-r1 > 1.0~1234-r0",
            ],
        );
        for valid in ["1.2", "0.1_pre2", "0.1_pre2~1234abcd", "0.1_p1_pre2", "0.1_alpha1_pre2", "0.1_git20240101_pre1"]
        {
            assert!(Scheme::Apk.parse(valid).is_ok(), "{valid:?}");
        }
        // Its invalid ones, and "23_foo" and "1.0bc", which apk compares
        // only up to the invalid part; then ours: a number apk would wrap,
        // a space, an upper-case revision.
        for bad in [
            "",
            "0.1bc",
            "0.1bc1",
            "0.1a1",
            "0.1a.1",
            "0.1_pre2~",
            "0.1_pre2~1234xbcd",
            "0.1_pre2~1234abcd_pre1",
            "0.1_pre2-r1~1234xbcd",
            "0.1_foobar",
            "0.1_foobar1",
            "0.1-pre1.1",
            "0.1-r",
            "0.1-r2_pre1",
            "0.1-r2_p3_pre1",
            "0.1-r2-r3",
            "0.1-r2.1",
            ".1",
            "a",
            "_pre1",
            "-r1",
            "0.1_",
            "0.1_-r0",
            "0.1__alpha",
            "0.1_1_alpha",
            "23_foo",
            "1.0bc",
            "18446744073709551616",
            "1.0 ",
            "1.0-R1",
        ] {
            assert!(Scheme::Apk.parse(bad).is_err(), "{bad:?}");
        }
        // The first number is numeric, leading zeros or not.
        assert_eq!(Scheme::Apk.compare("006", "6").unwrap(), Ordering::Equal);
    }

    #[test]
    fn maven_comparable_version_examples() {
        // Maven's ComparableVersionTest (maven-artifact 3.9): VERSIONS_QUALIFIER
        // and VERSIONS_NUMBER, each in ascending order.
        ascending(
            Scheme::Maven,
            &[
                "1-alpha2snapshot",
                "1-alpha2",
                "1-alpha-123",
                "1-beta-2",
                "1-beta123",
                "1-m2",
                "1-m11",
                "1-rc",
                "1-cr2",
                "1-rc123",
                "1-SNAPSHOT",
                "1",
                "1-sp",
                "1-sp2",
                "1-sp123",
                "1-abc",
                "1-def",
                "1-pom-1",
                "1-1-snapshot",
                "1-1",
                "1-2",
                "1-123",
            ],
        );
        ascending(
            Scheme::Maven,
            &[
                "2.0", "2.0.a", "2-1", "2.0.2", "2.0.123", "2.1.0", "2.1-a", "2.1b", "2.1-c", "2.1-1", "2.1.0.1",
                "2.2", "2.123", "11.a2", "11.a11", "11.b2", "11.b11", "11.m2", "11.m11", "11", "11.a", "11b", "11c",
                "11m",
            ],
        );
        // testVersionsEqual, testVersionComparing, MNG-5568, MNG-6572,
        // MNG-7644.
        relations(
            Scheme::Maven,
            &[
                "1 == 1.0",
                "1 == 1.0.0",
                "1.0 == 1.0-0",
                "1a == 1-a",
                "1a == 1.0.0-a",
                "1.0x == 1-x",
                "1ga == 1",
                "1release == 1",
                "1final == 1",
                "1cr == 1rc",
                "1a1 == 1-alpha-1",
                "1b2 == 1-beta-2",
                "1m3 == 1-milestone-3",
                "1X == 1x",
                "1RELeaSE == 1",
                "1m3 == 1MILESTONE3",
                "0000000000000000001 == 1",
                "0000000000000000000 == 0",
                "1.0.1 < 1.1",
                "1.0-alpha-1 < 1.0-beta-1",
                "1.0-beta-1 < 1.0-SNAPSHOT",
                "1.0-SNAPSHOT < 1.0",
                "1.0-alpha-1-SNAPSHOT < 1.0-alpha-1",
                "1.0.0 < 1.0-1",
                "2.0-1 < 2.0.1",
                "2.0.1-klm < 2.0.1-lmn",
                "2.0.1 < 2.0.1-xyz",
                "2.0.1-xyz < 2.0.1-123",
                "6.1.0rc3 < 6.1.0",
                "6.1.0rc3 < 6.1H.5-beta",
                "6.1.0 < 6.1H.5-beta",
                "20190126.230843 < 1234567890.12345",
                "1234567890.12345 < 123456789012345.1H.5-beta",
                "123456789012345.1H.5-beta < 12345678901234567890.1H.5-beta",
                "1.0.0.RC1 < 1.0.0-RC2",
                "1.0.0.a1 < 1.0.0-a2",
                "2-abc == 2.0.abc",
                "2.0.abc == 2.0.0.abc",
            ],
        );
        // The POM reference's "Version Order Specification" examples.
        relations(
            Scheme::Maven,
            &[
                "1 < 1.1",
                "1-snapshot < 1",
                "1 < 1-sp",
                "1-foo2 < 1-foo10",
                "1.foo == 1-foo",
                "1-foo < 1-1",
                "1-1 < 1.1",
                "1.ga == 1-ga",
                "1-ga == 1-0",
                "1-0 == 1.0",
                "1-sp > 1-ga",
                "1-sp.1 > 1-ga.1",
                "1-sp-1 < 1-ga-1",
                "1-a1 == 1-alpha-1",
            ],
        );
        ascending(Scheme::Maven, &["1-alpha", "1-beta", "1-milestone", "1-rc", "1-snapshot", "1", "1-sp"]);
        relations(
            Scheme::Maven,
            &["1.0-alpha1 < 1.0", "1.0-final == 1", "5.3.18.RELEASE == 5.3.18", "2.0.0.M1 < 2.0.0.RC1"],
        );
        // Forms seen on Maven Central read.
        for v in [
            "0",
            "2.13.4.1",
            "1.0-beta-3",
            "3.0.0-M5",
            "2.2.0.CR1",
            "1.0.0.Alpha1",
            "4.1.108.Final-redhat-00001",
            "9.4.43.v20210629",
            "31.0.1-jre",
            "1.0-20200101.123456-1",
            "0.0.0-2021-05-17T01-01-51-5ec03a8b",
        ] {
            assert!(Scheme::Maven.parse(v).is_ok(), "{v:?}");
        }
        // Maven (3.8.7 here) orders these forms inconsistently: 1 < 1.foo-1
        // < 1-alpha < 1, and (MNG-6964's own examples) 1 < 1-sp < 1-0.alpha
        // < 1. Refused, rather than ordered one way or the other.
        let long = "1".repeat(257);
        for bad in [
            "",
            "latest",
            "RELEASE",
            "v1.0",
            "-1",
            ".1",
            "1.0 beta",
            "1.0\u{e9}",
            long.as_str(),
            "1.foo-1",
            "1.sp.1",
            "1-0.alpha",
            "1-0.beta",
        ] {
            assert!(Scheme::Maven.parse(bad).is_err(), "{bad:?}");
        }
    }

    fn apk_strategy() -> impl Strategy<Value = String> {
        "[0-9]{1,3}(\\.[0-9]{1,3}){0,3}[a-z]?(_(alpha|beta|pre|rc|cvs|svn|git|hg|p)[0-9]{0,2}){0,2}(~[0-9a-f]{1,3})?(-r[0-9]{1,2})?"
    }

    fn maven_strategy() -> impl Strategy<Value = String> {
        "[0-9]{1,2}([.-][0-9]{1,2}){0,3}([.-]?(alpha|a|beta|b|milestone|m|rc|cr|SNAPSHOT|ga|final|RELEASE|sp|foo|jre)[0-9]{0,2}){0,2}(-[0-9]{1,2})?"
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
        fn apk_is_a_total_order(a in apk_strategy(), b in apk_strategy(), c in apk_strategy()) {
            total_order(Scheme::Apk, &a, &b, &c)?;
        }

        #[test]
        fn maven_is_a_total_order(a in maven_strategy(), b in maven_strategy(), c in maven_strategy()) {
            total_order(Scheme::Maven, &a, &b, &c)?;
        }

        #[test]
        fn parsing_never_panics(s in "\\PC{0,40}", t in "[0-9][0-9a-z._~+-]{0,40}") {
            for scheme in [Scheme::Semver, Scheme::Dpkg, Scheme::Pep440, Scheme::Apk, Scheme::Maven] {
                let _ = scheme.parse(&s);
                let _ = scheme.compare(&t, &t);
            }
        }
    }
}
