//! The known-vulnerability report: findings (one per vulnerability and
//! component, aliases merged), what could not be decided, VEX applied,
//! a summary that counts everything, and the verdict for S1.1-13 — with
//! text, JSON and SARIF renderings.
//!
//! The verdict rule (also in `docs/known-vulnerabilities.md`):
//! - `does_not_conform` when any finding stays `affected` after VEX;
//! - else `inconclusive` when anything material is unknown: no components,
//!   a component the SBOM does not identify well enough or whose
//!   ecosystem the advisories do not cover, an advisory that could not be
//!   evaluated for a component (and no VEX statement settles it), a
//!   finding under investigation, or an advisory file that could not be
//!   read;
//! - else `conforms`.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde::Serialize;
use starmark_checklist::Verdict;

use crate::matching::{ComponentResult, Index, Match, Outcome, Status, Why};
use crate::osv::{self, Database, Record};
use crate::sbom::{self, Component, Sbom};
use crate::vex::{self, Statement, VexDocument, VexStatus};

/// The criterion this check gives evidence for.
pub const CRITERION: &str = "S1.1-13";

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// `starmark-vuln/1`.
    pub format: &'static str,
    pub tool: String,
    pub criterion: &'static str,
    pub verdict: Verdict,
    /// Why the verdict is what it is, one line each.
    pub reasons: Vec<String>,
    pub summary: Summary,
    pub sbom: SbomInfo,
    pub advisories: AdvisoryInfo,
    pub vex: Vec<VexInfo>,
    pub findings: Vec<Finding>,
    /// Advisories about a component that could not be evaluated.
    pub unknown: Vec<Unknown>,
    pub components: Vec<ComponentLine>,
    /// VEX statements that matched no finding and nothing unknown.
    pub unmatched_vex: Vec<Statement>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub components: usize,
    /// Matched against every advisory about them.
    pub checked: usize,
    /// Not identified well enough to match (material).
    pub unidentified: usize,
    /// Of those, identified by a CPE or by name and version only.
    pub weakly_identified: usize,
    /// Identified, but in an ecosystem or release the advisories do not cover.
    pub not_covered: usize,
    /// Files, hardware, data and the like.
    pub not_material: usize,
    /// Components with at least one finding that stays affected.
    pub affected_components: usize,
    /// Findings, by status.
    pub affected: usize,
    pub not_affected: usize,
    pub fixed: usize,
    pub under_investigation: usize,
    /// (advisory, component) pairs that could not be evaluated and that no
    /// VEX statement settles.
    pub unknown: usize,
    pub advisory_warnings: usize,
    pub sbom_warnings: usize,
    pub vex_statements: usize,
    pub vex_unmatched: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct SbomInfo {
    pub source: String,
    pub sha256: String,
    pub format: sbom::Format,
    pub spec_version: String,
    pub subject: Vec<String>,
    pub warnings: Vec<sbom::Warning>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AdvisoryInfo {
    #[serde(flatten)]
    pub identity: osv::Identity,
    pub warnings: Vec<osv::Warning>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VexInfo {
    pub source: String,
    pub sha256: String,
    pub format: &'static str,
    pub statements: usize,
    pub warnings: Vec<String>,
}

/// A component as the report names it.
#[derive(Debug, Clone, Serialize)]
pub struct ComponentRef {
    pub key: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    pub location: String,
}

impl ComponentRef {
    fn of(c: &Component) -> ComponentRef {
        ComponentRef {
            key: c.key.clone(),
            name: c.name.clone(),
            version: c.version.clone(),
            purl: c.purl.clone(),
            location: c.location.clone(),
        }
    }

    /// How a finding ID names the component: the package URL without
    /// qualifiers (stable across SBOM tools), else name@version.
    fn stable(&self) -> String {
        match &self.purl {
            Some(p) => p.split(['?', '#']).next().unwrap_or(p).to_string(),
            None => format!("{}@{}", self.name, self.version.as_deref().unwrap_or("")),
        }
    }

    fn shown(&self) -> String {
        match (&self.purl, &self.version) {
            (Some(p), _) => p.clone(),
            (None, Some(v)) => format!("{} {v}", self.name),
            (None, None) => self.name.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingStatus {
    Affected,
    NotAffected,
    Fixed,
    UnderInvestigation,
}

/// The VEX statement applied to a finding or an unknown.
#[derive(Debug, Clone, Serialize)]
pub struct VexApplied {
    pub source: String,
    pub location: String,
    pub status: VexStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MatchedBy {
    pub record: String,
    #[serde(flatten)]
    pub why: Why,
}

#[derive(Debug, Clone, Serialize)]
pub struct Severity {
    /// `CVSS:3.1`, `CVSS:4.0`, `CVSS:2.0`.
    pub version: String,
    pub vector: String,
    pub score: f64,
    /// none, low, medium, high, critical.
    pub rating: &'static str,
    /// The record the vector is from.
    pub record: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// `{advisory}/{component}`: the same vulnerability in the same
    /// package gets the same ID in every run and from every SBOM tool.
    pub id: String,
    /// The vulnerability's name: its CVE if any record gives one, else
    /// the first record ID.
    pub advisory: String,
    /// Every other ID and alias of the merged records.
    pub aliases: Vec<String>,
    /// The OSV records that matched.
    pub records: Vec<String>,
    /// IDs the records were derived from (a DLA's CVEs); VEX statements
    /// about them apply too.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub upstream: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    pub component: ComponentRef,
    /// From what the SBOM describes down to the component, by key.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dependency_path: Vec<String>,
    pub matched: Vec<MatchedBy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    pub status: FindingStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vex: Option<VexApplied>,
    pub criteria: Vec<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Unknown {
    pub id: String,
    pub advisory: String,
    pub aliases: Vec<String>,
    pub records: Vec<String>,
    pub component: ComponentRef,
    pub reason: String,
    /// A VEX statement that settles it (`not_affected`, `fixed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vex: Option<VexApplied>,
    /// Whether it still counts as unknown.
    pub open: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ComponentLine {
    #[serde(flatten)]
    pub component: ComponentRef,
    #[serde(flatten)]
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ecosystem: Option<String>,
}

/// Runs the whole check: match, merge aliases, apply VEX, judge.
pub fn assess(sbom: &Sbom, db: &Database, mut vex_docs: Vec<VexDocument>) -> Report {
    let results = Index::new(db).run(sbom);
    if let Some(doc) = &sbom.embedded_vex {
        vex_docs.insert(0, doc.clone());
    }
    let statements: Vec<&Statement> = vex_docs.iter().flat_map(|d| &d.statements).collect();
    let mut used = vec![false; statements.len()];
    let mut findings = Vec::new();
    let mut unknown = Vec::new();
    let mut components = Vec::new();
    let mut summary = Summary { components: sbom.components.len(), ..Summary::default() };
    for r in &results {
        let Some(c) = sbom.components.get(r.component) else { continue };
        let cref = ComponentRef::of(c);
        match &r.status {
            Status::Checked => summary.checked += 1,
            Status::Unidentified { strength, .. } => {
                summary.unidentified += 1;
                if *strength != crate::package::Strength::Purl && *strength != crate::package::Strength::Name {
                    summary.weakly_identified += 1;
                }
            }
            Status::NotCovered { .. } => summary.not_covered += 1,
            Status::NotMaterial { .. } => summary.not_material += 1,
        }
        components.push(ComponentLine {
            component: cref.clone(),
            status: r.status.clone(),
            ecosystem: r.target.as_ref().map(|t| match &t.release {
                Some(rel) => format!("{}:{rel}", t.ecosystem),
                None => t.ecosystem.clone(),
            }),
        });
        for group in alias_groups(db, r) {
            let records: Vec<&Record> = group.iter().filter_map(|m| db.records.get(m.record)).collect();
            let mut ids: BTreeSet<String> = BTreeSet::new();
            let mut upstream: BTreeSet<String> = BTreeSet::new();
            for rec in &records {
                ids.insert(rec.id.clone());
                ids.extend(rec.aliases.iter().cloned());
                upstream.extend(rec.upstream.iter().cloned());
            }
            let advisory = ids
                .iter()
                .find(|i| i.starts_with("CVE-"))
                .or_else(|| records.iter().map(|r| &r.id).min())
                .cloned()
                .unwrap_or_default();
            let aliases: Vec<String> = ids.iter().filter(|i| **i != advisory).cloned().collect();
            let record_ids: Vec<String> = records.iter().map(|r| r.id.clone()).collect();
            let id = format!("{advisory}/{}", cref.stable());
            // A record's upstream ID settles it only when it is the one
            // vulnerability the record is about (a DLA for several CVEs is
            // not settled by a statement on one of them).
            let mut settled_by: BTreeSet<String> = ids.clone();
            for rec in &records {
                let cves: BTreeSet<&str> =
                    rec.upstream.iter().map(|u| u.find("CVE-").and_then(|i| u.get(i..)).unwrap_or(u)).collect();
                if cves.len() == 1 {
                    settled_by.extend(rec.upstream.iter().cloned());
                }
            }
            // Every statement about this vulnerability and component; where
            // they disagree, the one least favourable to the product holds.
            let matching: Vec<usize> = statements
                .iter()
                .enumerate()
                .filter(|(_, s)| {
                    s.ids.iter().any(|i| settled_by.contains(i))
                        && s.products.iter().any(|p| product_matches(p, s, c, sbom))
                })
                .map(|(i, _)| i)
                .collect();
            for &i in &matching {
                if let Some(u) = used.get_mut(i) {
                    *u = true;
                }
            }
            let statement = matching.iter().filter_map(|&i| statements.get(i)).max_by_key(|s| match s.status {
                VexStatus::Affected => 3,
                VexStatus::UnderInvestigation => 2,
                VexStatus::Fixed => 1,
                VexStatus::NotAffected => 0,
            });
            let applied = statement.map(|s| VexApplied {
                source: s.source.clone(),
                location: s.location.clone(),
                status: s.status,
                justification: s.justification.clone(),
                detail: s.detail.clone(),
            });
            let mut matched: Vec<MatchedBy> = group
                .iter()
                .flat_map(|m| match &m.outcome {
                    Outcome::Affected { why } => {
                        why.iter().map(|w| MatchedBy { record: m.id.clone(), why: w.clone() }).collect()
                    }
                    Outcome::Unknown { .. } => Vec::new(),
                })
                .collect();
            let reasons: Vec<String> = group
                .iter()
                .filter_map(|m| match &m.outcome {
                    Outcome::Unknown { reason } => Some(format!("{}: {reason}", m.id)),
                    Outcome::Affected { .. } => None,
                })
                .collect();
            if matched.is_empty() && applied.as_ref().is_some_and(|v| v.status == VexStatus::Affected) {
                // The vendor confirms what the advisories could not decide.
                matched.push(MatchedBy {
                    record: advisory.clone(),
                    why: Why {
                        ecosystem: String::new(),
                        package: cref.name.clone(),
                        range: "vex".into(),
                        events: Vec::new(),
                        ordering: None,
                        explanation: "the advisory could not be evaluated; the VEX statement says affected".into(),
                    },
                });
            }
            if matched.is_empty() {
                let open =
                    !matches!(applied.as_ref().map(|v| v.status), Some(VexStatus::NotAffected | VexStatus::Fixed));
                unknown.push(Unknown {
                    id,
                    advisory,
                    aliases,
                    records: record_ids,
                    component: cref.clone(),
                    reason: reasons.join("; "),
                    vex: applied,
                    open,
                });
                continue;
            }
            let status = match applied.as_ref().map(|v| v.status) {
                Some(VexStatus::NotAffected) => FindingStatus::NotAffected,
                Some(VexStatus::Fixed) => FindingStatus::Fixed,
                Some(VexStatus::UnderInvestigation) => FindingStatus::UnderInvestigation,
                Some(VexStatus::Affected) | None => FindingStatus::Affected,
            };
            findings.push(Finding {
                id,
                advisory,
                aliases,
                records: record_ids,
                upstream: upstream.into_iter().collect(),
                summary: records.iter().find_map(|r| r.summary.clone()),
                dependency_path: sbom.path_to(&c.key),
                component: cref.clone(),
                matched,
                severity: severity(&records),
                status,
                vex: applied,
                criteria: vec![CRITERION],
            });
        }
    }
    findings.sort_by(|a, b| a.id.cmp(&b.id));
    unknown.sort_by(|a, b| a.id.cmp(&b.id));
    for f in &findings {
        match f.status {
            FindingStatus::Affected => summary.affected += 1,
            FindingStatus::NotAffected => summary.not_affected += 1,
            FindingStatus::Fixed => summary.fixed += 1,
            FindingStatus::UnderInvestigation => summary.under_investigation += 1,
        }
    }
    let affected_components: BTreeSet<&str> =
        findings.iter().filter(|f| f.status == FindingStatus::Affected).map(|f| f.component.key.as_str()).collect();
    summary.affected_components = affected_components.len();
    summary.unknown = unknown.iter().filter(|u| u.open).count();
    summary.advisory_warnings = db.warnings.len();
    summary.sbom_warnings = sbom.warnings.len();
    summary.vex_statements = statements.len();
    let unmatched_vex: Vec<Statement> =
        statements.iter().zip(&used).filter(|(_, u)| !**u).map(|(s, _)| (*s).clone()).collect();
    summary.vex_unmatched = unmatched_vex.len();
    let (verdict, reasons) = judge(&summary, &findings);
    Report {
        format: "starmark-vuln/1",
        tool: format!("starmark {}", env!("CARGO_PKG_VERSION")),
        criterion: CRITERION,
        verdict,
        reasons,
        summary,
        sbom: SbomInfo {
            source: sbom.source.clone(),
            sha256: sbom.sha256.clone(),
            format: sbom.format,
            spec_version: sbom.spec_version.clone(),
            subject: sbom.subject.iter().map(|c| c.name.clone()).collect(),
            warnings: sbom.warnings.clone(),
        },
        advisories: AdvisoryInfo { identity: db.identity.clone(), warnings: db.warnings.clone() },
        vex: vex_docs
            .iter()
            .map(|d| VexInfo {
                source: d.source.clone(),
                sha256: d.sha256.clone(),
                format: d.format,
                statements: d.statements.len(),
                warnings: d.warnings.clone(),
            })
            .collect(),
        findings,
        unknown,
        components,
        unmatched_vex,
    }
}

/// Whether a VEX statement's product is this component: the same package
/// URL, or its `bom-ref` — through a BOM-Link naming this SBOM's serial
/// number, or plain in the SBOM's own statements.
fn product_matches(p: &vex::Product, s: &Statement, c: &Component, sbom: &Sbom) -> bool {
    if let (Some(a), Some(b)) = (&p.purl, &c.purl)
        && vex::purl_matches(a, b)
    {
        return true;
    }
    match (&p.reference, &p.serial) {
        (Some(r), Some(serial)) => *r == c.key && sbom.serial.as_deref() == Some(serial.as_str()),
        (Some(r), None) => s.embedded && *r == c.key,
        (None, _) => false,
    }
}

/// A component's matches, grouped so that records sharing an ID or an
/// alias (a GHSA, a PYSEC and a CVE for one flaw) become one group.
fn alias_groups<'r>(db: &Database, r: &'r ComponentResult) -> Vec<Vec<&'r Match>> {
    let ids: Vec<BTreeSet<&str>> = r
        .matches
        .iter()
        .map(|m| {
            db.records
                .get(m.record)
                .map(|rec| std::iter::once(rec.id.as_str()).chain(rec.aliases.iter().map(String::as_str)).collect())
                .unwrap_or_default()
        })
        .collect();
    // Union-find over the (few) matches of one component.
    let mut parent: Vec<usize> = (0..r.matches.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while let Some(&p) = parent.get(i) {
            if p == i {
                break;
            }
            i = p;
        }
        i
    }
    for i in 0..ids.len() {
        for j in (i + 1)..ids.len() {
            if let (Some(a), Some(b)) = (ids.get(i), ids.get(j))
                && !a.is_disjoint(b)
            {
                let (ri, rj) = (root(&mut parent, i), root(&mut parent, j));
                if let Some(p) = parent.get_mut(rj) {
                    *p = ri;
                }
            }
        }
    }
    let mut groups: Vec<(usize, Vec<&Match>)> = Vec::new();
    for (i, m) in r.matches.iter().enumerate() {
        let g = root(&mut parent, i);
        match groups.iter_mut().find(|(r, _)| *r == g) {
            Some((_, list)) => list.push(m),
            None => groups.push((g, vec![m])),
        }
    }
    groups.into_iter().map(|(_, g)| g).collect()
}

/// The highest CVSS version given, and within it the highest score.
fn severity(records: &[&Record]) -> Option<Severity> {
    let mut best: Option<(u8, Severity)> = None;
    for rec in records {
        let all = rec.severity.iter().chain(rec.affected.iter().flat_map(|a| &a.severity));
        for s in all {
            let rank = match s.kind.as_str() {
                "CVSS_V4" => 4,
                "CVSS_V3" => 3,
                "CVSS_V2" => 2,
                _ => continue,
            };
            let Ok(v) = s.score.parse::<cvss::Cvss>() else { continue };
            let version = match &v {
                cvss::Cvss::CvssV20(_) => "CVSS:2.0",
                cvss::Cvss::CvssV30(_) => "CVSS:3.0",
                cvss::Cvss::CvssV31(_) => "CVSS:3.1",
                cvss::Cvss::CvssV40(_) => "CVSS:4.0",
                _ => continue,
            };
            let candidate = Severity {
                version: version.into(),
                vector: s.score.clone(),
                score: v.score(),
                rating: v.severity().as_str(),
                record: rec.id.clone(),
            };
            let better = match &best {
                None => true,
                Some((r, b)) => rank > *r || (rank == *r && candidate.score > b.score),
            };
            if better {
                best = Some((rank, candidate));
            }
        }
    }
    best.map(|(_, s)| s)
}

fn judge(s: &Summary, findings: &[Finding]) -> (Verdict, Vec<String>) {
    let mut reasons = Vec::new();
    if s.affected > 0 {
        let ids: BTreeSet<&str> =
            findings.iter().filter(|f| f.status == FindingStatus::Affected).map(|f| f.advisory.as_str()).collect();
        let list: Vec<&str> = ids.into_iter().collect();
        reasons.push(format!(
            "{} known vulnerabilit{} affect{} {} component{}: {}",
            list.len(),
            if list.len() == 1 { "y" } else { "ies" },
            if list.len() == 1 { "s" } else { "" },
            s.affected_components,
            if s.affected_components == 1 { "" } else { "s" },
            list.join(", ")
        ));
    }
    let mut unknown = Vec::new();
    if s.components == 0 {
        unknown.push("the SBOM lists no components, so nothing was checked".to_string());
    } else if s.checked == 0 {
        unknown.push("no component could be checked against the advisories, so nothing was".to_string());
    }
    if s.unidentified > 0 {
        unknown.push(format!(
            "{} component{} could not be identified well enough to match ({} by CPE or name and version only)",
            s.unidentified,
            if s.unidentified == 1 { "" } else { "s" },
            s.weakly_identified
        ));
    }
    if s.not_covered > 0 {
        unknown.push(format!(
            "{} component{} in ecosystems or releases the advisories given do not cover",
            s.not_covered,
            if s.not_covered == 1 { " is" } else { "s are" }
        ));
    }
    if s.unknown > 0 {
        unknown.push(format!(
            "{} advisor{} could not be evaluated for a component",
            s.unknown,
            if s.unknown == 1 { "y" } else { "ies" }
        ));
    }
    if s.under_investigation > 0 {
        unknown.push(format!(
            "{} finding{} under investigation (VEX)",
            s.under_investigation,
            if s.under_investigation == 1 { " is" } else { "s are" }
        ));
    }
    if s.advisory_warnings > 0 {
        unknown.push(format!(
            "{} advisory file{} could not be used (see the warnings), so what {} say{} is unknown",
            s.advisory_warnings,
            if s.advisory_warnings == 1 { "" } else { "s" },
            if s.advisory_warnings == 1 { "it" } else { "they" },
            if s.advisory_warnings == 1 { "s" } else { "" }
        ));
    }
    let verdict = if s.affected > 0 {
        Verdict::DoesNotConform
    } else if !unknown.is_empty() {
        Verdict::Inconclusive
    } else {
        reasons.push(format!(
            "all {} components that advisories can be about were matched against the advisories; none is affected{}",
            s.checked,
            if s.not_affected + s.fixed > 0 { " once the VEX statements are applied" } else { "" }
        ));
        Verdict::Conforms
    };
    reasons.extend(unknown);
    (verdict, reasons)
}

impl Report {
    /// Exit code of `starmark vuln`: 0 conforms, 1 does not conform, 3 inconclusive.
    pub fn exit_code(&self) -> u8 {
        match self.verdict {
            Verdict::Conforms => 0,
            Verdict::DoesNotConform => 1,
            Verdict::Inconclusive => 3,
        }
    }

    /// The human-readable report.
    pub fn text(&self) -> String {
        let mut o = String::new();
        let s = &self.summary;
        let _ = writeln!(o, "{} known vulnerabilities: {}", self.criterion, self.verdict.id());
        for r in &self.reasons {
            let _ = writeln!(o, "  - {r}");
        }
        let _ = writeln!(
            o,
            "\nSBOM {} ({} {}, sha256 {}): {} components — {} checked, {} unidentified, {} not covered, {} not material",
            self.sbom.source,
            match self.sbom.format {
                sbom::Format::CycloneDx => "CycloneDX",
                sbom::Format::Spdx => "SPDX",
            },
            self.sbom.spec_version,
            self.sbom.sha256,
            s.components,
            s.checked,
            s.unidentified,
            s.not_covered,
            s.not_material
        );
        let a = &self.advisories.identity;
        let _ = writeln!(
            o,
            "Advisories {} (sha256 {}): {} files, {} records ({} withdrawn, not matched), newest modified {}, {} warnings",
            a.source,
            a.sha256,
            a.files,
            a.records,
            a.withdrawn,
            a.newest_modified.as_deref().unwrap_or("unknown"),
            self.advisories.warnings.len()
        );
        for v in &self.vex {
            let _ = writeln!(o, "VEX {} ({}, sha256 {}): {} statements", v.source, v.format, v.sha256, v.statements);
        }
        let affected: Vec<&Finding> = self.findings.iter().filter(|f| f.status == FindingStatus::Affected).collect();
        if !affected.is_empty() {
            let _ = writeln!(o, "\nAffected ({}):", affected.len());
            for f in affected {
                finding_text(&mut o, f);
            }
        }
        let open: Vec<&Finding> =
            self.findings.iter().filter(|f| f.status == FindingStatus::UnderInvestigation).collect();
        if !open.is_empty() {
            let _ = writeln!(o, "\nUnder investigation ({}):", open.len());
            for f in open {
                finding_text(&mut o, f);
            }
        }
        let suppressed: Vec<&Finding> = self
            .findings
            .iter()
            .filter(|f| matches!(f.status, FindingStatus::NotAffected | FindingStatus::Fixed))
            .collect();
        if !suppressed.is_empty() {
            let _ = writeln!(o, "\nSuppressed by VEX ({}), each with its reason:", suppressed.len());
            for f in suppressed {
                finding_text(&mut o, f);
            }
        }
        if !self.unknown.is_empty() {
            let _ = writeln!(o, "\nCould not be evaluated ({}):", self.unknown.len());
            for u in &self.unknown {
                let _ = writeln!(o, "  {}  {}", u.advisory, u.component.shown());
                let _ = writeln!(o, "      {}", u.reason);
                if let Some(v) = &u.vex {
                    let _ = writeln!(o, "      VEX {}: {}", v.status.id(), vex_reason(v));
                }
            }
        }
        let not_checked: Vec<&ComponentLine> = self
            .components
            .iter()
            .filter(|c| matches!(c.status, Status::Unidentified { .. } | Status::NotCovered { .. }))
            .collect();
        if !not_checked.is_empty() {
            let _ = writeln!(o, "\nComponents not checked ({}):", not_checked.len());
            for c in not_checked {
                let why = match &c.status {
                    Status::Unidentified { reason, .. } | Status::NotCovered { reason } => reason.as_str(),
                    Status::Checked | Status::NotMaterial { .. } => "",
                };
                let _ = writeln!(o, "  {} ({}): {why}", c.component.shown(), c.component.location);
            }
        }
        if !self.unmatched_vex.is_empty() {
            let _ = writeln!(o, "\nVEX statements that matched nothing ({}):", self.unmatched_vex.len());
            for v in &self.unmatched_vex {
                let products: Vec<String> =
                    v.products.iter().map(|p| p.purl.clone().or(p.reference.clone()).unwrap_or_default()).collect();
                let _ = writeln!(
                    o,
                    "  {} {} {} ({} {})",
                    v.ids.join(" / "),
                    v.status.id(),
                    products.join(", "),
                    v.source,
                    v.location
                );
            }
        }
        let warnings = self.advisories.warnings.len() + self.sbom.warnings.len();
        if warnings > 0 {
            let _ = writeln!(o, "\nWarnings ({warnings}):");
            for w in &self.advisories.warnings {
                let _ = writeln!(o, "  advisories {}: {}", w.file, w.message);
            }
            for w in &self.sbom.warnings {
                let _ = writeln!(o, "  SBOM {}: {}", w.location, w.message);
            }
        }
        o
    }

    /// SARIF 2.1.0: one rule per advisory, one result per finding or
    /// unknown (`kind: open`); VEX suppressions as SARIF suppressions.
    pub fn sarif(&self) -> serde_json::Value {
        use serde_json::json;
        let mut rules: Vec<serde_json::Value> = Vec::new();
        let mut seen = BTreeSet::new();
        let mut rule = |advisory: &str, summary: Option<&str>| {
            if seen.insert(advisory.to_string()) {
                rules.push(json!({
                    "id": advisory,
                    "shortDescription": {"text": summary.unwrap_or(advisory)},
                    "helpUri": format!("https://osv.dev/vulnerability/{advisory}"),
                    "properties": {"criteria": [CRITERION]},
                }));
            }
        };
        let mut results = Vec::new();
        let location = |c: &ComponentRef| {
            json!([{
                "physicalLocation": {"artifactLocation": {"uri": self.sbom.source}},
                "logicalLocations": [{"name": c.stable(), "fullyQualifiedName": c.location, "kind": "package"}],
            }])
        };
        for f in &self.findings {
            rule(&f.advisory, f.summary.as_deref());
            let why: Vec<String> = f.matched.iter().map(|m| format!("{}: {}", m.record, m.why.explanation)).collect();
            let mut r = json!({
                "ruleId": f.advisory,
                "kind": "fail",
                "level": match f.severity.as_ref().map(|s| s.rating) {
                    Some("critical" | "high") | None => "error",
                    Some("medium") => "warning",
                    Some(_) => "note",
                },
                "message": {"text": format!("{} affects {}: {}", f.advisory, f.component.shown(), why.join("; "))},
                "locations": location(&f.component),
                "partialFingerprints": {"starmark/finding": f.id},
                "properties": {
                    "criteria": f.criteria,
                    "status": f.status,
                    "aliases": f.aliases,
                    "severity": f.severity,
                },
            });
            if let Some(v) = &f.vex
                && matches!(f.status, FindingStatus::NotAffected | FindingStatus::Fixed)
                && let Some(o) = r.as_object_mut()
            {
                o.insert(
                    "suppressions".into(),
                    json!([{"kind": "external", "status": "accepted", "justification": format!("VEX {}: {}", v.status.id(), vex_reason(v))}]),
                );
            }
            results.push(r);
        }
        for u in self.unknown.iter().filter(|u| u.open) {
            rule(&u.advisory, None);
            results.push(json!({
                "ruleId": u.advisory,
                "kind": "open",
                "level": "none",
                "message": {"text": format!("{} could not be evaluated for {}: {}", u.advisory, u.component.shown(), u.reason)},
                "locations": location(&u.component),
                "partialFingerprints": {"starmark/finding": u.id},
                "properties": {"criteria": [CRITERION]},
            }));
        }
        json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {
                    "name": "starmark",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://example.invalid/starmark",
                    "rules": rules,
                }},
                "results": results,
                "properties": {
                    "criterion": CRITERION,
                    "verdict": self.verdict,
                    "reasons": self.reasons,
                    "summary": self.summary,
                    "advisories": self.advisories.identity,
                    "sbom": {"source": self.sbom.source, "sha256": self.sbom.sha256},
                },
            }],
        })
    }
}

fn vex_reason(v: &VexApplied) -> String {
    let mut s = v.justification.clone().unwrap_or_else(|| "no justification given".into());
    if let Some(d) = &v.detail {
        s.push_str(" — ");
        s.push_str(d);
    }
    format!("{s} ({} {})", v.source, v.location)
}

fn finding_text(o: &mut String, f: &Finding) {
    let sev = f
        .severity
        .as_ref()
        .map(|s| format!("{} {:.1} {}", s.rating, s.score, s.version))
        .unwrap_or_else(|| "severity not given".into());
    let _ = writeln!(o, "  {}  {}  [{sev}]", f.advisory, f.component.shown());
    if let Some(s) = &f.summary {
        let _ = writeln!(o, "      {s}");
    }
    if !f.aliases.is_empty() {
        let _ = writeln!(o, "      also: {}", f.aliases.join(", "));
    }
    for m in &f.matched {
        let ordering = m
            .why
            .ordering
            .and_then(|o| serde_json::to_value(o).ok())
            .and_then(|o| o.as_str().map(|o| format!(" ({o} ordering)")))
            .unwrap_or_default();
        let _ = writeln!(o, "      {} {} {}{ordering}: {}", m.record, m.why.ecosystem, m.why.range, m.why.explanation);
    }
    if f.dependency_path.len() > 1 {
        let _ = writeln!(o, "      via {}", f.dependency_path.join(" → "));
    }
    if let Some(v) = &f.vex {
        let _ = writeln!(o, "      VEX {}: {}", v.status.id(), vex_reason(v));
    }
}
