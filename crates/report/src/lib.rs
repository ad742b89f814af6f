//! Reports of one evaluation (`starmark evaluate`), each made from the
//! completed checklist, how each criterion was decided, and the criteria
//! catalog's wording:
//!
//! - [`html`]: a page in Japanese and one in English, self-contained (no
//!   script, no outside resources), for people;
//! - [`xlsx`]: the checklist as the scheme exchanges it — requirement,
//!   evaluation items, applicability, result, evidence, remarks — one row
//!   per criterion, for the owner's and the vendor's spreadsheets;
//! - [`oscal`]: NIST OSCAL 1.0.6 assessment results, for GRC tools;
//! - [`sarif`]: SARIF 2.1.0, one result per criterion, for code-scanning
//!   dashboards and CI.
//!
//! Every report is a pure function of its [`Input`]: the same evaluation
//! gives byte-identical reports (the OSCAL UUIDs are name-based, version 5,
//! from the evidence bundle's manifest digest), so a third party who has
//! the bundle can make them again and compare.

pub mod html;
pub mod oscal;
pub mod sarif;
pub mod xlsx;

use starmark_checklist::evaluate::{Evaluation, ItemEvaluation};
use starmark_checklist::{Applicability, Checklist, Item, MethodUsed, Verdict};
use starmark_criteria::{Catalog, Lang, Requirement};

/// What every report is made from.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The completed checklist (as `starmark evaluate` writes it).
    pub checklist: &'a Checklist,
    pub evaluation: &'a Evaluation,
    /// The catalog version the checklist names, for the requirements' wording.
    pub catalog: &'a Catalog,
    /// When the evaluation was made (the evidence bundle's signing time).
    pub evaluated_at: jiff::Timestamp,
    /// The tool and its version, e.g. `starmark 0.1.0`.
    pub tool: &'a str,
    /// The completed checklist's folder as seen from where the reports are
    /// kept (`../` for `starmark evaluate`'s `reports/`; empty if they sit
    /// beside it): every relative path a report gives starts with it.
    pub root: &'a str,
}

/// One criterion with everything the reports show about it.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    pub item: &'a Item,
    pub requirement: Option<&'a Requirement>,
    pub evaluation: Option<&'a ItemEvaluation>,
}

impl<'a> Input<'a> {
    /// The checklist's items in order, with their requirement and evaluation.
    pub fn rows(&self) -> Vec<Row<'a>> {
        let (checklist, catalog, evaluation) = (self.checklist, self.catalog, self.evaluation);
        checklist
            .items
            .iter()
            .map(|item| Row {
                item,
                requirement: catalog.requirement(&item.id),
                evaluation: evaluation.items.iter().find(|e| e.id == item.id),
            })
            .collect()
    }

    /// The evidence bundle's manifest digest, if the checklist names one.
    pub fn manifest_sha256(&self) -> Option<&'a str> {
        self.checklist.evidence_bundle.as_ref().map(|b| b.manifest_sha256.as_str())
    }

    /// The product's name in `lang` (else the other language).
    pub fn product_name(&self, lang: Lang) -> &'a str {
        localized(&self.checklist.product.name, lang)
    }

    pub fn applicant_name(&self, lang: Lang) -> &'a str {
        localized(&self.checklist.applicant.name, lang)
    }
}

fn localized(l: &starmark_checklist::Localized, lang: Lang) -> &str {
    l.exact(lang).or_else(|| Lang::ALL.iter().find_map(|&o| l.exact(o))).unwrap_or("")
}

/// The outcome of one criterion, as every report names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Conforms,
    DoesNotConform,
    Inconclusive,
    NotApplicable,
    /// The vendor has not answered.
    Unanswered,
}

impl Outcome {
    pub fn of(item: &Item) -> Outcome {
        if item.applicability == Some(Applicability::NotApplicable) {
            return Outcome::NotApplicable;
        }
        match item.verdict {
            Some(Verdict::Conforms) => Outcome::Conforms,
            Some(Verdict::DoesNotConform) => Outcome::DoesNotConform,
            Some(Verdict::Inconclusive) => Outcome::Inconclusive,
            None => Outcome::Unanswered,
        }
    }

    /// The checklist's own word: `conforms`, `not_applicable`, …
    pub fn id(self) -> &'static str {
        match self {
            Outcome::Conforms => "conforms",
            Outcome::DoesNotConform => "does_not_conform",
            Outcome::Inconclusive => "inconclusive",
            Outcome::NotApplicable => "not_applicable",
            Outcome::Unanswered => "unanswered",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Outcome::Conforms, Lang::Ja) => "適合",
            (Outcome::Conforms, Lang::En) => "Conforms",
            (Outcome::DoesNotConform, Lang::Ja) => "不適合",
            (Outcome::DoesNotConform, Lang::En) => "Does not conform",
            (Outcome::Inconclusive, Lang::Ja) => "判定不能",
            (Outcome::Inconclusive, Lang::En) => "Inconclusive",
            (Outcome::NotApplicable, Lang::Ja) => "対象外",
            (Outcome::NotApplicable, Lang::En) => "Not applicable",
            (Outcome::Unanswered, Lang::Ja) => "未回答",
            (Outcome::Unanswered, Lang::En) => "Unanswered",
        }
    }
}

pub fn method_label(m: MethodUsed, lang: Lang) -> &'static str {
    match (m, lang) {
        (MethodUsed::Document, Lang::Ja) => "文書確認",
        (MethodUsed::Document, Lang::En) => "Document review",
        (MethodUsed::DeviceCheck, Lang::Ja) => "実機確認",
        (MethodUsed::DeviceCheck, Lang::En) => "Device check",
    }
}

/// Sets `key` of a JSON object (the reports build only objects here; on
/// anything else it does nothing rather than panic as indexing would).
pub(crate) fn set(v: &mut serde_json::Value, key: &str, x: impl Into<serde_json::Value>) {
    if let Some(o) = v.as_object_mut() {
        o.insert(key.to_string(), x.into());
    }
}

/// `2026-11-28T09:00:00Z`: UTC to the second, as every report shows it.
pub fn timestamp(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// One piece of evidence in one line: `path (SHA-256 …)`, `finding ID`.
pub fn evidence_line(e: &starmark_checklist::Evidence) -> String {
    let mut parts = Vec::new();
    if let Some(p) = &e.path {
        parts.push(p.clone());
    }
    if let Some(s) = &e.sha256 {
        parts.push(format!("SHA-256 {s}"));
    }
    if let Some(f) = &e.finding {
        parts.push(format!("finding {f}"));
    }
    if let Some(d) = &e.description {
        parts.push(format!("({d})"));
    }
    parts.join(" ")
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the xlsx workbook: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("the HTML page: {0}")]
    Html(#[from] askama::Error),
}
