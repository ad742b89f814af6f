//! Matching components against OSV records with the OSV schema's
//! evaluation rules (<https://ossf.github.io/osv-schema/#evaluation>):
//!
//! - a record is about a component when its `affected[].package` names the
//!   component's ecosystem (and distribution release) and package name;
//! - the component is affected when its version is in `versions`, or lies
//!   in a range: events sorted in the range's ordering, each `introduced`
//!   at or below the version opens, each `fixed` at or below closes, each
//!   `last_affected` below closes; `limit` events bound the range;
//! - `SEMVER` ranges use SemVer precedence, `ECOSYSTEM` ranges the
//!   ecosystem's own ordering ([`Scheme::for_ecosystem`]); a `GIT` range
//!   needs the commit the component was built from, which an SBOM does not
//!   carry, so it is *unknown* unless `versions` lists the version;
//! - withdrawn records are not matched.
//!
//! Anything that cannot be decided — no ordering for the ecosystem, a
//! version the ordering cannot read, a release the SBOM does not state, an
//! ecosystem the advisories given do not cover — is an [`Outcome::Unknown`]
//! or a component status other than [`Status::Checked`], never "not
//! affected".

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use crate::osv::{Database, Event, Range, Record};
use crate::package::{self, Identified, Strength, Target};
use crate::sbom::{Component, Sbom};
use crate::version::Scheme;

/// Why a component is affected by one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Why {
    /// The record's ecosystem and package, as it wrote them.
    pub ecosystem: String,
    pub package: String,
    /// `SEMVER`, `ECOSYSTEM`, `GIT`, or `versions` for the explicit list.
    pub range: String,
    /// The range's events as the record gives them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<Event>,
    /// The ordering the range was read in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ordering: Option<Scheme>,
    /// In words: `1.4.2 ≥ introduced 1.0, < fixed 1.4.3`.
    pub explanation: String,
}

/// One record's verdict on one component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Affected { why: Vec<Why> },
    Unknown { reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Match {
    /// Index into [`Database::records`].
    #[serde(skip)]
    pub record: usize,
    pub id: String,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// What became of a component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    /// Matched against every record about its package.
    Checked,
    /// The SBOM does not identify it well enough to match (material).
    Unidentified { strength: Strength, reason: String },
    /// Identified, but the advisories given do not cover its ecosystem or
    /// release, so their silence means nothing (material).
    NotCovered { reason: String },
    /// Not a software package advisories are about (a file, hardware, …).
    NotMaterial { reason: String },
}

#[derive(Debug, Clone)]
pub struct ComponentResult {
    /// Index into [`Sbom::components`].
    pub component: usize,
    pub target: Option<Target>,
    pub status: Status,
    pub matches: Vec<Match>,
}

fn clean_repo(url: &str) -> String {
    url.trim_end_matches('/').trim_end_matches(".git").to_lowercase()
}

/// The records indexed by what they are about.
#[derive(Debug)]
pub struct Index<'a> {
    db: &'a Database,
    /// (ecosystem base, OSV-normalised name) → (record, affected entry).
    packages: HashMap<(String, String), Vec<(usize, usize)>>,
    /// Repository URL → (record, affected entry), for GIT ranges.
    repositories: HashMap<String, Vec<(usize, usize)>>,
    /// Ecosystems the advisories cover ([`Database::ecosystems`]).
    ecosystems: &'a BTreeSet<String>,
}

impl<'a> Index<'a> {
    pub fn new(db: &'a Database) -> Index<'a> {
        let mut packages: HashMap<(String, String), Vec<(usize, usize)>> = HashMap::new();
        let mut repositories: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
        for (r, record) in db.records.iter().enumerate() {
            if record.withdrawn.is_some() {
                continue;
            }
            for (a, affected) in record.affected.iter().enumerate() {
                if let Some(p) = &affected.package {
                    let (base, _) = package::split_ecosystem(&p.ecosystem);
                    packages.entry((base.to_string(), package::osv_name(base, &p.name))).or_default().push((r, a));
                }
                for range in affected.ranges.iter().filter(|r| r.kind == "GIT") {
                    if let Some(repo) = &range.repo {
                        let list = repositories.entry(clean_repo(repo)).or_default();
                        if list.last() != Some(&(r, a)) {
                            list.push((r, a));
                        }
                    }
                }
            }
        }
        Index { db, packages, repositories, ecosystems: &db.ecosystems }
    }

    /// Matches every component of the SBOM.
    pub fn run(&self, sbom: &Sbom) -> Vec<ComponentResult> {
        sbom.components.iter().enumerate().map(|(i, c)| self.component(i, c)).collect()
    }

    fn component(&self, index: usize, c: &Component) -> ComponentResult {
        let result = |target, status, matches| ComponentResult { component: index, target, status, matches };
        if let Some(reason) = crate::sbom::immaterial_kind(c.kind.as_deref()) {
            return result(None, Status::NotMaterial { reason: reason.into() }, Vec::new());
        }
        // An assembly (a bundle of listed packages) that has no identity of
        // its own; anything with a package URL, a CPE or a version is software
        // itself and is checked.
        if c.parts > 0 && c.purl.is_none() && c.cpe.is_none() && c.version.is_none() {
            let reason = format!("an assembly of {} listed components, which are checked themselves", c.parts);
            return result(None, Status::NotMaterial { reason }, Vec::new());
        }
        match package::identify_component(c) {
            Identified::Not { strength, reason } => result(None, Status::Unidentified { strength, reason }, Vec::new()),
            Identified::Repository { url, version } => {
                // GIT-range records are about single repositories: their
                // absence for this one means nothing.
                if !self.repositories.contains_key(&clean_repo(&url)) {
                    let reason = format!(
                        "{url} is a source repository and no advisory given names it, so they say nothing about it"
                    );
                    return result(None, Status::NotCovered { reason }, Vec::new());
                }
                let mut matches = Vec::new();
                for &(r, a) in self.repositories.get(&clean_repo(&url)).into_iter().flatten() {
                    let (Some(record), Some(affected)) =
                        (self.db.records.get(r), self.db.records.get(r).and_then(|x| x.affected.get(a)))
                    else {
                        continue;
                    };
                    let outcome = if affected.versions.iter().any(|v| v == &version) {
                        Outcome::Affected {
                            why: vec![Why {
                                ecosystem: "GIT".into(),
                                package: url.clone(),
                                range: "versions".into(),
                                events: Vec::new(),
                                ordering: None,
                                explanation: format!("{version} is listed in the record's versions"),
                            }],
                        }
                    } else {
                        Outcome::Unknown {
                            reason: format!(
                                "GIT range on {url}: deciding needs the commit {version} was built from, which the SBOM does not give"
                            ),
                        }
                    };
                    matches.push(Match { record: r, id: record.id.clone(), outcome });
                }
                result(None, Status::Checked, merge(matches))
            }
            Identified::Package(t) => {
                let status = self.coverage(&t);
                let mut matches = Vec::new();
                if status == Status::Checked {
                    for &(r, a) in self.packages.get(&(t.ecosystem.clone(), t.name.clone())).into_iter().flatten() {
                        let Some(record) = self.db.records.get(r) else { continue };
                        if let Some(outcome) = evaluate(record, a, &t) {
                            matches.push(Match { record: r, id: record.id.clone(), outcome });
                        }
                    }
                }
                result(Some(t), status, merge(matches))
            }
        }
    }

    /// Whether the advisories cover the target's ecosystem (and release).
    fn coverage(&self, t: &Target) -> Status {
        if !self.ecosystems.contains(&t.ecosystem) {
            return Status::NotCovered {
                reason: format!("the advisories given have no {} records, so they say nothing about it", t.ecosystem),
            };
        }
        if package::has_releases(&t.ecosystem)
            && let Some(release) = &t.release
        {
            let whole = format!("{}:{release}", t.ecosystem);
            let any = self
                .ecosystems
                .iter()
                .any(|e| package::split_ecosystem(e) == (t.ecosystem.as_str(), Some(release.as_str())));
            if !any {
                return Status::NotCovered {
                    reason: format!("the advisories given have no {whole} records, so they say nothing about it"),
                };
            }
        }
        Status::Checked
    }
}

/// What an SBOM's components could be matched by: used to keep only the
/// records that matter while a large database is read.
#[derive(Debug, Default)]
pub struct Wanted {
    packages: std::collections::HashSet<(String, String)>,
    repositories: std::collections::HashSet<String>,
}

impl Wanted {
    pub fn of(sbom: &Sbom) -> Wanted {
        let mut w = Wanted::default();
        for c in &sbom.components {
            match package::identify_component(c) {
                Identified::Package(t) => {
                    w.packages.insert((t.ecosystem, t.name));
                }
                Identified::Repository { url, .. } => {
                    w.repositories.insert(clean_repo(&url));
                }
                Identified::Not { .. } => {}
            }
        }
        w
    }

    /// Whether a record is about any of the components.
    pub fn keeps(&self, r: &Record) -> bool {
        r.affected.iter().any(|a| {
            a.package.as_ref().is_some_and(|p| {
                let (base, _) = package::split_ecosystem(&p.ecosystem);
                self.packages.contains(&(base.to_string(), package::osv_name(base, &p.name)))
            }) || a.ranges.iter().any(|g| g.repo.as_ref().is_some_and(|u| self.repositories.contains(&clean_repo(u))))
        })
    }
}

/// One record's several affected entries about one component become one
/// match: affected if any entry says so, else unknown if any cannot tell.
fn merge(matches: Vec<Match>) -> Vec<Match> {
    let mut out: Vec<Match> = Vec::new();
    for m in matches {
        match out.iter_mut().find(|o| o.record == m.record) {
            None => out.push(m),
            Some(o) => match (&mut o.outcome, m.outcome) {
                (Outcome::Affected { why }, Outcome::Affected { why: more }) => why.extend(more),
                (Outcome::Unknown { .. }, affected @ Outcome::Affected { .. }) => o.outcome = affected,
                (Outcome::Unknown { reason }, Outcome::Unknown { reason: more }) => {
                    if !reason.contains(&more) {
                        reason.push_str("; ");
                        reason.push_str(&more);
                    }
                }
                (Outcome::Affected { .. }, Outcome::Unknown { .. }) => {}
            },
        }
    }
    out
}

/// One affected entry of a record against a target: `None` when not affected.
fn evaluate(record: &Record, entry: usize, t: &Target) -> Option<Outcome> {
    let affected = record.affected.get(entry)?;
    let p = affected.package.as_ref()?;
    let (base, release) = package::split_ecosystem(&p.ecosystem);
    if package::has_releases(base) {
        match (&t.release, release) {
            (Some(mine), Some(theirs)) if mine != theirs => return None,
            (None, Some(_)) => {
                return Some(Outcome::Unknown {
                    reason: format!(
                        "the record is about particular {base} releases; the SBOM does not say which {base} release the component is from (package URL `distro` qualifier)"
                    ),
                });
            }
            _ => {}
        }
    }
    let scheme = Scheme::for_ecosystem(&p.ecosystem);
    let why = |range: &str, events: Vec<Event>, ordering: Option<Scheme>, explanation: String| Why {
        ecosystem: p.ecosystem.clone(),
        package: p.name.clone(),
        range: range.into(),
        events,
        ordering,
        explanation,
    };
    let mut unknown: Vec<String> = Vec::new();
    // A GIT range beside a SEMVER or ECOSYSTEM range of the same package is
    // the same vulnerability in commits; the version range decides.
    let mut git_only = true;
    for range in &affected.ranges {
        let ordering = match range.kind.as_str() {
            "SEMVER" => Scheme::Semver,
            "ECOSYSTEM" => match scheme {
                Some(s) => s,
                None => {
                    unknown.push(format!("no version ordering for the {} ecosystem is known here", p.ecosystem));
                    continue;
                }
            },
            "GIT" => continue,
            other => {
                unknown.push(format!("range type {other:?} is not one of the OSV schema's (SEMVER, ECOSYSTEM, GIT)"));
                continue;
            }
        };
        git_only = false;
        match in_range(range, ordering, &t.version) {
            Ok(Some(explanation)) => {
                return Some(Outcome::Affected {
                    why: vec![why(&range.kind, range.events.clone(), Some(ordering), explanation)],
                });
            }
            Ok(None) => {}
            Err(e) => unknown.push(e),
        }
    }
    // The explicit list: equal as strings, or equal in the ordering.
    let listed = affected
        .versions
        .iter()
        .find(|v| *v == &t.version || scheme.is_some_and(|s| s.compare(v, &t.version) == Ok(Ordering::Equal)));
    if let Some(v) = listed {
        let mut explanation = format!("{} is listed in the record's versions", t.version);
        if *v != t.version {
            explanation.push_str(&format!(" (as {v})"));
        }
        return Some(Outcome::Affected { why: vec![why("versions", Vec::new(), scheme, explanation)] });
    }
    if affected.ranges.is_empty() && affected.versions.is_empty() {
        unknown.push("the record names the package but gives neither ranges nor versions".into());
    }
    if git_only && affected.ranges.iter().any(|r| r.kind == "GIT") {
        unknown.push(
            "only a GIT range: deciding needs the commit the component was built from, which the SBOM does not give"
                .into(),
        );
    }
    if unknown.is_empty() { None } else { Some(Outcome::Unknown { reason: unknown.join("; ") }) }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Introduced,
    Fixed,
    LastAffected,
    Limit,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Introduced => "introduced",
            Kind::Fixed => "fixed",
            Kind::LastAffected => "last_affected",
            Kind::Limit => "limit",
        }
    }
}

/// Whether `version` lies in the range, and why: `Err` when the range or
/// the version cannot be read in the ordering.
fn in_range(range: &Range, scheme: Scheme, version: &str) -> Result<Option<String>, String> {
    scheme.parse(version).map_err(|e| format!("the component's version cannot be ordered: {e}"))?;
    let mut events: Vec<(Kind, &str)> = Vec::with_capacity(range.events.len());
    for e in &range.events {
        let set: Vec<(Kind, &str)> = [
            (Kind::Introduced, &e.introduced),
            (Kind::Fixed, &e.fixed),
            (Kind::LastAffected, &e.last_affected),
            (Kind::Limit, &e.limit),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().map(|v| (k, v)))
        .collect();
        let [(kind, value)] = set.as_slice() else {
            return Err(format!(
                "a range event sets {} of introduced/fixed/last_affected/limit, not exactly one",
                set.len()
            ));
        };
        // `introduced: 0` is "from the first version"; `limit: *` is "no limit".
        let special = (*kind == Kind::Introduced && *value == "0") || (*kind == Kind::Limit && *value == "*");
        if !special {
            scheme.parse(value).map_err(|e| format!("the record's {} event cannot be ordered: {e}", kind.name()))?;
        }
        // `limit: *` bounds nothing; it is left out of the ordering.
        if !(*kind == Kind::Limit && *value == "*") {
            events.push((*kind, value));
        }
    }
    // Everything parsed above, so comparisons below cannot fail.
    let cmp = |a: &str, b: &str| scheme.compare(a, b).unwrap_or(Ordering::Equal);
    let lowest = |(k, v): &(Kind, &str)| *k == Kind::Introduced && *v == "0";
    events.sort_by(|a, b| match (lowest(a), lowest(b)) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => cmp(a.1, b.1),
    });
    let limits: Vec<&str> = events.iter().filter(|(k, _)| *k == Kind::Limit).map(|(_, v)| *v).collect();
    if !limits.is_empty() && !limits.iter().any(|l| cmp(version, l) == Ordering::Less) {
        return Ok(None);
    }
    let mut affected = false;
    let mut since = "";
    let mut until: Option<(Kind, &str)> = None;
    for &(kind, value) in &events {
        match kind {
            Kind::Introduced => {
                if value == "0" || cmp(version, value) != Ordering::Less {
                    affected = true;
                    since = value;
                    until = None;
                }
            }
            Kind::Fixed => {
                if cmp(version, value) != Ordering::Less {
                    affected = false;
                } else if affected && until.is_none() {
                    until = Some((kind, value));
                }
            }
            Kind::LastAffected => {
                if cmp(version, value) == Ordering::Greater {
                    affected = false;
                } else if affected && until.is_none() {
                    until = Some((kind, value));
                }
            }
            Kind::Limit => {}
        }
    }
    if !affected {
        return Ok(None);
    }
    let to = match until {
        Some((Kind::Fixed, v)) => format!(", < fixed {v}"),
        Some((_, v)) => format!(", ≤ last_affected {v}"),
        None => ", and no fix is listed".into(),
    };
    Ok(Some(format!("{version} ≥ introduced {since}{to}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(kind: &str, events: &[(&str, &str)]) -> Range {
        Range {
            kind: kind.into(),
            repo: None,
            events: events
                .iter()
                .map(|(k, v)| {
                    let s = Some(v.to_string());
                    match *k {
                        "introduced" => Event { introduced: s, fixed: None, last_affected: None, limit: None },
                        "fixed" => Event { introduced: None, fixed: s, last_affected: None, limit: None },
                        "last_affected" => Event { introduced: None, fixed: None, last_affected: s, limit: None },
                        _ => Event { introduced: None, fixed: None, last_affected: None, limit: s },
                    }
                })
                .collect(),
        }
    }

    #[test]
    fn osv_range_semantics() {
        let r = range("SEMVER", &[("introduced", "0"), ("fixed", "1.2.3")]);
        assert_eq!(in_range(&r, Scheme::Semver, "1.2.2").unwrap().unwrap(), "1.2.2 ≥ introduced 0, < fixed 1.2.3");
        assert_eq!(in_range(&r, Scheme::Semver, "1.2.3").unwrap(), None);
        // Two intervals, events out of order in the record.
        let r = range(
            "SEMVER",
            &[("fixed", "2.0.5"), ("introduced", "2.0.0"), ("introduced", "1.0.0"), ("fixed", "1.4.0")],
        );
        assert!(in_range(&r, Scheme::Semver, "1.3.9").unwrap().is_some());
        assert_eq!(in_range(&r, Scheme::Semver, "1.5.0").unwrap(), None);
        assert_eq!(in_range(&r, Scheme::Semver, "2.0.4").unwrap().unwrap(), "2.0.4 ≥ introduced 2.0.0, < fixed 2.0.5");
        assert_eq!(in_range(&r, Scheme::Semver, "0.9.0").unwrap(), None);
        // last_affected includes its own version.
        let r = range("ECOSYSTEM", &[("introduced", "1.0"), ("last_affected", "1.5")]);
        assert!(in_range(&r, Scheme::Pep440, "1.5").unwrap().is_some());
        assert_eq!(in_range(&r, Scheme::Pep440, "1.5.post1").unwrap(), None);
        // No fix.
        let r = range("ECOSYSTEM", &[("introduced", "1.0")]);
        assert!(in_range(&r, Scheme::Pep440, "9").unwrap().unwrap().ends_with("no fix is listed"));
        // Limits bound the range.
        let r = range("SEMVER", &[("introduced", "0"), ("limit", "2.0.0")]);
        assert!(in_range(&r, Scheme::Semver, "1.0.0").unwrap().is_some());
        assert_eq!(in_range(&r, Scheme::Semver, "2.0.0").unwrap(), None);
        // What cannot be ordered is an error, not "not affected".
        assert!(in_range(&r, Scheme::Semver, "latest").is_err());
        let bad = range("SEMVER", &[("introduced", "0"), ("fixed", "one.two")]);
        assert!(in_range(&bad, Scheme::Semver, "1.0.0").unwrap_err().contains("fixed"));
    }
}
