//! What a component is in OSV's terms: an ecosystem (with a distribution
//! release where the ecosystem has them), a package name spelled the way
//! OSV spells it, and a version — read from the component's package URL.
//!
//! Only a package URL identifies a component exactly enough to match OSV
//! records. A component with only a CPE or only a name is *weakly
//! identified*: it is reported, and never called unaffected.

use serde::Serialize;

/// How well the SBOM identifies a component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Strength {
    /// A valid package URL.
    Purl,
    /// A CPE, no usable package URL.
    Cpe,
    /// A name and a version only.
    NameVersion,
    /// A name only.
    Name,
}

/// A component as OSV records name packages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    /// OSV's ecosystem without release: `PyPI`, `Debian`, `Alpine`, …
    pub ecosystem: String,
    /// The distribution release, as OSV writes it after the `:`
    /// (`12` for `Debian:12`, `v3.18` for `Alpine:v3.18`, `22.04` for Ubuntu).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
    /// The name as OSV spells it (normalised for PyPI).
    pub name: String,
    pub version: String,
}

/// What could be made of a component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identified {
    /// In an OSV ecosystem.
    Package(Target),
    /// A source repository (`pkg:github/…`): only OSV's GIT-range records
    /// name it, by URL.
    Repository { url: String, version: String },
    /// Not matchable; why.
    Not { strength: Strength, reason: String },
}

/// The OSV ecosystem of a package URL type, where OSV has one.
fn ecosystem_of(ty: &str, namespace: Option<&str>) -> Option<&'static str> {
    Some(match ty {
        "pypi" => "PyPI",
        "npm" => "npm",
        "cargo" => "crates.io",
        "golang" => "Go",
        "maven" => "Maven",
        "nuget" => "NuGet",
        "gem" => "RubyGems",
        "composer" => "Packagist",
        "hex" => "Hex",
        "pub" => "Pub",
        "swift" => "SwiftURL",
        "cran" => "CRAN",
        "hackage" => "Hackage",
        "conan" => "ConanCenter",
        "bitnami" => "Bitnami",
        // `pkg:alpine/…` is what older syft releases wrote for apk packages.
        "alpine" => "Alpine",
        "apk" => match namespace {
            Some("alpine") => "Alpine",
            Some("chainguard") => "Chainguard",
            Some("wolfi") => "Wolfi",
            _ => return None,
        },
        "deb" => match namespace {
            Some("debian") => "Debian",
            Some("ubuntu") => "Ubuntu",
            _ => return None,
        },
        "rpm" => match namespace {
            Some("almalinux") => "AlmaLinux",
            Some("rocky-linux") => "Rocky Linux",
            Some("redhat") => "Red Hat",
            Some("opensuse") => "openSUSE",
            Some("suse") => "SUSE",
            _ => return None,
        },
        _ => return None,
    })
}

/// Debian's codenames, for `distro=bookworm`.
fn debian_codename(name: &str) -> Option<&'static str> {
    Some(match name {
        "wheezy" => "7",
        "jessie" => "8",
        "stretch" => "9",
        "buster" => "10",
        "bullseye" => "11",
        "bookworm" => "12",
        "trixie" => "13",
        "forky" => "14",
        _ => return None,
    })
}

/// The release OSV names for a distribution qualifier (`distro=debian-12.4`,
/// `distro=alpine-3.18.4`, `distro=ubuntu-22.04`), if it can be read.
fn release_of(ecosystem: &str, distro: &str) -> Option<String> {
    let number = distro.rsplit_once('-').map_or(distro, |(_, n)| n);
    let mut parts = number.split('.');
    let major = parts.next().filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let minor = parts.next().filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    match ecosystem {
        "Debian" => major.map(str::to_string).or_else(|| debian_codename(number).map(str::to_string)),
        "Alpine" => Some(format!("v{}.{}", major?, minor?)),
        "Ubuntu" => Some(format!("{}.{}", major?, minor?)),
        "AlmaLinux" | "Rocky Linux" => major.map(str::to_string),
        _ => None,
    }
}

/// PEP 503 normalisation: lower case, runs of `-`, `_`, `.` as one `-`.
pub fn pypi_normalise(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// A package name as OSV records of `ecosystem` are compared by. Go module
/// paths, npm and NuGet names compare without case: package URLs lower-case
/// some of them (the purl spec's rules for `golang` namespaces and `npm`
/// names), and the registries do not allow two names differing in case only.
pub fn osv_name(ecosystem: &str, name: &str) -> String {
    match ecosystem {
        "PyPI" => pypi_normalise(name),
        "Go" | "npm" | "NuGet" => name.to_lowercase(),
        _ => name.to_string(),
    }
}

/// Identifies an SBOM component.
pub fn identify_component(c: &crate::sbom::Component) -> Identified {
    let source = c.source.as_ref().map(|(n, v)| (n.as_str(), v.as_deref()));
    identify_with(c.purl.as_deref(), c.cpe.as_deref(), &c.name, c.version.as_deref(), source)
}

/// Identifies a component from its package URL, CPE, name and version.
pub fn identify(purl: Option<&str>, cpe: Option<&str>, name: &str, version: Option<&str>) -> Identified {
    identify_with(purl, cpe, name, version, None)
}

/// As [`identify`], with the source package the SBOM names apart from the
/// package URL (name, version).
fn identify_with(
    purl: Option<&str>,
    cpe: Option<&str>,
    name: &str,
    version: Option<&str>,
    source_package: Option<(&str, Option<&str>)>,
) -> Identified {
    let weak = |why: String| {
        let strength = if cpe.is_some() {
            Strength::Cpe
        } else if version.is_some() {
            Strength::NameVersion
        } else {
            Strength::Name
        };
        let how = match strength {
            Strength::Cpe => "only a CPE, which OSV records do not carry,",
            Strength::NameVersion => "only a name and a version",
            Strength::Name | Strength::Purl => "only a name",
        };
        Identified::Not { strength, reason: format!("{why}; the SBOM gives {how} for {name:?}") }
    };
    let Some(text) = purl else {
        return weak("no package URL".into());
    };
    let p = match text.parse::<packageurl::PackageUrl<'_>>() {
        Ok(p) => p,
        Err(e) => return weak(format!("the package URL {text:?} is not valid ({e})")),
    };
    let Some(v) = p.version().filter(|v| !v.is_empty()).or(version) else {
        return Identified::Not {
            strength: Strength::Purl,
            reason: format!("{text:?} has no version, and the component gives none"),
        };
    };
    let version = v.to_string();
    let ns = p.namespace().filter(|n| !n.is_empty());
    if matches!(p.ty(), "github" | "gitlab" | "bitbucket") {
        let host = format!("{}.{}", p.ty(), if p.ty() == "bitbucket" { "org" } else { "com" });
        let url = match ns {
            Some(ns) => format!("https://{host}/{ns}/{}", p.name()),
            None => format!("https://{host}/{}", p.name()),
        };
        return Identified::Repository { url: url.to_lowercase(), version };
    }
    let Some(ecosystem) = ecosystem_of(p.ty(), ns) else {
        return Identified::Not {
            strength: Strength::Purl,
            reason: format!(
                "package URL type {:?}{} has no OSV ecosystem known here",
                p.ty(),
                ns.map(|n| format!(" (namespace {n:?})")).unwrap_or_default()
            ),
        };
    };
    let qualifier = |k: &str| {
        p.qualifiers().iter().find(|(q, _)| q.as_ref() == k).map(|(_, v)| v.to_string()).filter(|v| !v.is_empty())
    };
    // Distribution advisories are per source package. Debian's `upstream`
    // and Alpine's `origin` (syft also writes `upstream`) qualifiers name it,
    // with its version where that differs (`upstream=lvm2@2.03.16-2`);
    // Trivy names it in properties instead. Without either, the binary
    // package is taken to be its own source (syft leaves the qualifier out
    // exactly then).
    let from_qualifier = match ecosystem {
        "Debian" | "Ubuntu" => qualifier("upstream"),
        "Alpine" | "Chainguard" | "Wolfi" => qualifier("origin").or_else(|| qualifier("upstream")),
        _ => None,
    }
    .map(|s| match s.split_once(['@', ' ']) {
        Some((n, v)) => (n.to_string(), Some(v.to_string()).filter(|v| !v.is_empty())),
        None => (s, None),
    });
    let source = from_qualifier
        .or_else(|| {
            if matches!(ecosystem, "Debian" | "Ubuntu" | "Alpine" | "Chainguard" | "Wolfi") {
                source_package.map(|(n, v)| (n.to_string(), v.map(str::to_string)))
            } else {
                None
            }
        })
        .filter(|(n, _)| !n.is_empty());
    // The binary package's version, with the epoch Trivy puts in a qualifier.
    let mut version = version;
    if let Some(epoch) = qualifier("epoch").filter(|e| e != "0")
        && matches!(ecosystem, "Debian" | "Ubuntu")
        && !version.contains(':')
    {
        version = format!("{epoch}:{version}");
    }
    let (name, version) = match (ecosystem, ns, source) {
        (_, _, Some((source, source_version))) => (source, source_version.unwrap_or(version)),
        ("Maven", Some(ns), None) => (format!("{ns}:{}", p.name()), version),
        ("Maven", None, None) => {
            return Identified::Not {
                strength: Strength::Purl,
                reason: format!(
                    "{text:?} gives no Maven group (the package URL's namespace); advisories name group:artifact"
                ),
            };
        }
        ("npm" | "Go" | "Packagist" | "SwiftURL", Some(ns), None) => (format!("{ns}/{}", p.name()), version),
        (_, _, None) => (p.name().to_string(), version),
    };
    let release = qualifier("distro").and_then(|d| release_of(ecosystem, &d));
    Identified::Package(Target { ecosystem: ecosystem.to_string(), release, name: osv_name(ecosystem, &name), version })
}

/// Whether an OSV ecosystem has releases that must equal the component's
/// (`Debian:12` advisories are about Debian 12's packages only).
pub fn has_releases(ecosystem: &str) -> bool {
    matches!(ecosystem, "Debian" | "Ubuntu" | "Alpine" | "AlmaLinux" | "Rocky Linux" | "Red Hat" | "SUSE" | "openSUSE")
}

/// Splits an OSV ecosystem string into base and release: `Debian:12` →
/// (`Debian`, `12`); `Ubuntu:Pro:22.04:LTS` → (`Ubuntu`, `22.04`).
pub fn split_ecosystem(ecosystem: &str) -> (&str, Option<&str>) {
    let mut parts = ecosystem.split(':');
    let base = parts.next().unwrap_or(ecosystem);
    let release = if base == "Ubuntu" {
        parts.find(|p| p.contains('.') && p.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
    } else {
        parts.next()
    };
    (base, release.filter(|r| !r.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(purl: &str) -> Target {
        match identify(Some(purl), None, "x", None) {
            Identified::Package(t) => t,
            other => panic!("{purl}: {other:?}"),
        }
    }

    #[test]
    fn package_urls_name_osv_packages() {
        let t = target("pkg:pypi/Django_Rest.Framework@3.1");
        assert_eq!(
            (t.ecosystem.as_str(), t.name.as_str(), t.version.as_str()),
            ("PyPI", "django-rest-framework", "3.1")
        );
        assert_eq!(target("pkg:npm/%40babel/core@7.0.0").name, "@babel/core");
        assert_eq!(
            target("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1").name,
            "org.apache.logging.log4j:log4j-core"
        );
        assert_eq!(target("pkg:golang/golang.org/x/net@v0.1.0").name, "golang.org/x/net");
        assert_eq!(target("pkg:cargo/smallvec@1.0.0").ecosystem, "crates.io");
        let deb = target("pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&upstream=openssl&distro=debian-12");
        assert_eq!((deb.name.as_str(), deb.release.as_deref()), ("openssl", Some("12")));
        assert_eq!(target("pkg:deb/debian/bash@5.2?distro=bookworm").release.as_deref(), Some("12"));
        let apk = target(
            "pkg:apk/alpine/libcrypto3@3.1.4-r0?arch=x86_64&upstream=openssl&distro=alpine-3.18.4&origin=openssl",
        );
        assert_eq!(
            (apk.ecosystem.as_str(), apk.name.as_str(), apk.release.as_deref()),
            ("Alpine", "openssl", Some("v3.18"))
        );
        assert_eq!(target("pkg:deb/debian/zlib1g@1.2").release, None, "no distro: release unknown");
    }

    #[test]
    fn what_cannot_be_matched_says_why() {
        let Identified::Not { strength, reason } =
            identify(None, Some("cpe:2.3:a:openssl:openssl:1.0.2:*:*:*:*:*:*:*"), "openssl", Some("1.0.2"))
        else {
            panic!()
        };
        assert_eq!(strength, Strength::Cpe);
        assert!(reason.contains("CPE"), "{reason}");
        assert!(matches!(
            identify(None, None, "busybox", Some("1.36")),
            Identified::Not { strength: Strength::NameVersion, .. }
        ));
        assert!(matches!(identify(None, None, "busybox", None), Identified::Not { strength: Strength::Name, .. }));
        assert!(matches!(
            identify(Some("pkg:generic/busybox@1.36"), None, "busybox", None),
            Identified::Not { strength: Strength::Purl, .. }
        ));
        assert!(matches!(
            identify(Some("pkg:pypi/requests"), None, "requests", None),
            Identified::Not { strength: Strength::Purl, .. }
        ));
        assert!(matches!(
            identify(Some("not a purl"), None, "x", Some("1")),
            Identified::Not { strength: Strength::NameVersion, .. }
        ));
        assert_eq!(
            identify(Some("pkg:github/Capricorn86/happy-dom@v15.10.1"), None, "x", None),
            Identified::Repository {
                url: "https://github.com/capricorn86/happy-dom".into(),
                version: "v15.10.1".into()
            }
        );
    }

    #[test]
    fn ecosystem_strings() {
        assert_eq!(split_ecosystem("Debian:12"), ("Debian", Some("12")));
        assert_eq!(split_ecosystem("Ubuntu:Pro:22.04:LTS"), ("Ubuntu", Some("22.04")));
        assert_eq!(split_ecosystem("Alpine:v3.18"), ("Alpine", Some("v3.18")));
        assert_eq!(split_ecosystem("PyPI"), ("PyPI", None));
    }
}
