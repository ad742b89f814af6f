//! Current state of applications and labels, as a fold over their events.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use starmark_checklist::{Checklist, Localized};
use starmark_criteria::{Level, VersionRef};

use crate::event::{Event, EventKind, Subject};
use crate::label_id::LabelId;

/// Where an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppStatus {
    /// The format check failed; the problems are kept. The vendor submits anew.
    Returned,
    /// STAR-3/4: passed the format check; waits for the laboratory's report.
    AwaitingReport,
    /// Passed the format check; the supply-chain inquiry is pending.
    AwaitingInquiry,
    InquiryCleared,
    /// The agencies raised a concern; the reviewer decides.
    InquiryConcern,
    Granted,
    Refused,
}

impl AppStatus {
    pub fn id(self) -> &'static str {
        match self {
            AppStatus::Returned => "returned",
            AppStatus::AwaitingReport => "awaiting_report",
            AppStatus::AwaitingInquiry => "awaiting_inquiry",
            AppStatus::InquiryCleared => "inquiry_cleared",
            AppStatus::InquiryConcern => "inquiry_concern",
            AppStatus::Granted => "granted",
            AppStatus::Refused => "refused",
        }
    }

    pub fn is_final(self) -> bool {
        matches!(self, AppStatus::Returned | AppStatus::Granted | AppStatus::Refused)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InquiryOutcome {
    Cleared,
    Concern,
}

/// An accredited laboratory's evaluation report (STAR-3/4), by reference:
/// the document stays with the laboratory and the vendor; its digest is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvaluationReport {
    pub report_id: String,
    /// The laboratory's name and accreditation, as registered.
    pub lab: String,
    pub accreditation: String,
    pub issued_on: Date,
    pub criteria: VersionRef,
    /// Lowercase hex SHA-256 of the report document.
    pub sha256: String,
    pub summary: Localized,
}

/// A format-check problem as kept with the application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemRecord {
    pub severity: String,
    pub code: String,
    pub pointer: String,
    pub message: String,
    pub help: String,
}

impl From<&starmark_checklist::Problem> for ProblemRecord {
    fn from(p: &starmark_checklist::Problem) -> ProblemRecord {
        ProblemRecord {
            severity: match p.severity {
                starmark_checklist::Severity::Error => "error".into(),
                starmark_checklist::Severity::Warning => "warning".into(),
            },
            code: p.code.to_string(),
            pointer: p.path.pointer(),
            message: p.message.clone(),
            help: p.help.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApplicationState {
    pub id: String,
    pub vendor: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    pub criteria: VersionRef,
    pub status: AppStatus,
    pub checklist: serde_json::Value,
    pub problems: Vec<ProblemRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inquiry: Option<(InquiryOutcome, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<LabelId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renewal_of: Option<LabelId>,
    /// Certified on a laboratory's report (STAR-3/4) rather than self-declared.
    #[serde(default)]
    pub third_party: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<EvaluationReport>,
    pub submitted_at: Timestamp,
    pub updated_at: Timestamp,
}

/// What the public page shows of a product, with the vendor's disclosure
/// choices already applied: an undisclosed manufacturer or country is not
/// stored here at all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicRecord {
    pub product_name: Localized,
    pub model_numbers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_of_manufacture: Option<String>,
    pub overview: Localized,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub inquiry_contact: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_certifications: Vec<(String, String)>,
    pub applicant: Localized,
    pub evaluator_category: String,
}

impl PublicRecord {
    pub fn from_checklist(c: &Checklist) -> PublicRecord {
        let p = &c.product;
        PublicRecord {
            product_name: p.name.clone(),
            model_numbers: p.model_numbers.iter().map(|m| m.trim().to_string()).collect(),
            manufacturer: (p.manufacturer.disclose == Some(true)).then(|| p.manufacturer.name.clone()),
            country_of_manufacture: (p.country_of_manufacture.disclose == Some(true))
                .then(|| p.country_of_manufacture.code.clone()),
            overview: p.overview.clone(),
            url: p.url.clone(),
            inquiry_contact: p.inquiry_contact.clone(),
            other_certifications: p.other_certifications.iter().map(|c| (c.scheme.clone(), c.number.clone())).collect(),
            applicant: c.applicant.name.clone(),
            evaluator_category: c.evaluator.category.clone(),
        }
    }
}

/// Security information the vendor publishes on the product page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityInfo {
    /// Known vulnerabilities and their status.
    #[serde(default)]
    pub vulnerabilities: Localized,
    /// Where to report a vulnerability.
    #[serde(default)]
    pub vulnerability_contact: String,
    #[serde(default)]
    pub other: Localized,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revocation {
    pub ground: String,
    pub statement: String,
    pub at: Timestamp,
}

/// A label's status on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelStatus {
    Valid,
    Expired,
    Revoked,
}

impl LabelStatus {
    pub fn id(self) -> &'static str {
        match self {
            LabelStatus::Valid => "valid",
            LabelStatus::Expired => "expired",
            LabelStatus::Revoked => "revoked",
        }
    }

    pub fn parse(s: &str) -> Option<LabelStatus> {
        [LabelStatus::Valid, LabelStatus::Expired, LabelStatus::Revoked].into_iter().find(|x| x.id() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelState {
    pub id: LabelId,
    pub application: String,
    pub vendor: String,
    pub level: Level,
    pub criteria: VersionRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    pub issued_on: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renewed_on: Option<Date>,
    /// Last day of validity (inclusive).
    pub expires_on: Date,
    pub public: PublicRecord,
    /// STAR-3/4: the report the certification rests on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<EvaluationReport>,
    pub security: SecurityInfo,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<Revocation>,
    /// Whether the expiry has been written to the log.
    #[serde(default)]
    pub expiry_recorded: bool,
    /// The label's bit in the status list (labels granted before status
    /// lists existed have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_list_index: Option<u64>,
}

impl LabelState {
    /// The status on `today`. Expiry needs no event to be true: a label
    /// past its last valid day reads as expired even before the expiry
    /// sweep records it.
    pub fn status_on(&self, today: Date) -> LabelStatus {
        if self.revoked.is_some() {
            LabelStatus::Revoked
        } else if today > self.expires_on {
            LabelStatus::Expired
        } else {
            LabelStatus::Valid
        }
    }
}

/// An event that does not fit the state it is applied to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("event {seq} ({kind}) cannot apply to {subject}: {why}")]
pub struct FoldError {
    pub seq: i64,
    pub kind: &'static str,
    pub subject: String,
    pub why: &'static str,
}

fn fold_err(e: &Event, why: &'static str) -> FoldError {
    FoldError { seq: e.seq, kind: e.event.kind.name(), subject: e.event.subject.id(), why }
}

/// Applies one event to an application's state.
pub fn apply_application(state: Option<ApplicationState>, e: &Event) -> Result<ApplicationState, FoldError> {
    let ev = &e.event;
    let Subject::Application(id) = &ev.subject else { return Err(fold_err(e, "not an application event")) };
    let mut s = match (state, &ev.kind) {
        (None, EventKind::ApplicationSubmitted { vendor, level, criteria, checklist, renewal_of, third_party }) => {
            return Ok(ApplicationState {
                id: id.clone(),
                vendor: vendor.clone(),
                level: *level,
                criteria: criteria.clone(),
                status: AppStatus::AwaitingInquiry,
                checklist: checklist.clone(),
                problems: Vec::new(),
                inquiry: None,
                refusal: None,
                label: None,
                renewal_of: *renewal_of,
                third_party: *third_party,
                report: None,
                submitted_at: ev.at,
                updated_at: ev.at,
            });
        }
        (None, _) => return Err(fold_err(e, "the application does not exist")),
        (Some(_), EventKind::ApplicationSubmitted { .. }) => return Err(fold_err(e, "the application already exists")),
        (Some(s), _) => s,
    };
    match &ev.kind {
        EventKind::FormatChecked { passed, problems } => {
            s.problems = problems.clone();
            s.status = match (*passed, s.third_party) {
                (false, _) => AppStatus::Returned,
                (true, false) => AppStatus::AwaitingInquiry,
                (true, true) => AppStatus::AwaitingReport,
            };
        }
        EventKind::ReportAttached { report } => {
            if s.status != AppStatus::AwaitingReport {
                return Err(fold_err(e, "no report is awaited"));
            }
            s.report = Some(report.clone());
            s.status = AppStatus::AwaitingInquiry;
        }
        EventKind::InquiryRecorded { outcome, note } => {
            if s.status != AppStatus::AwaitingInquiry {
                return Err(fold_err(e, "no inquiry is pending"));
            }
            s.inquiry = Some((*outcome, note.clone()));
            s.status = match outcome {
                InquiryOutcome::Cleared => AppStatus::InquiryCleared,
                InquiryOutcome::Concern => AppStatus::InquiryConcern,
            };
        }
        EventKind::ApplicationRefused { reason } => {
            if s.status.is_final() {
                return Err(fold_err(e, "the application is already decided"));
            }
            s.refusal = Some(reason.clone());
            s.status = AppStatus::Refused;
        }
        EventKind::ApplicationGranted { label } => {
            if !matches!(s.status, AppStatus::InquiryCleared | AppStatus::InquiryConcern) {
                return Err(fold_err(e, "the inquiry has not been answered"));
            }
            s.label = Some(*label);
            s.status = AppStatus::Granted;
        }
        _ => return Err(fold_err(e, "not an application event")),
    }
    s.updated_at = ev.at;
    Ok(s)
}

/// Applies one event to a label's state.
pub fn apply_label(state: Option<LabelState>, e: &Event) -> Result<LabelState, FoldError> {
    let ev = &e.event;
    let Subject::Label(id) = &ev.subject else { return Err(fold_err(e, "not a label event")) };
    let mut s = match (state, &ev.kind) {
        (
            None,
            EventKind::LabelGranted {
                application,
                vendor,
                level,
                criteria,
                category,
                issued_on,
                expires_on,
                public,
                report,
                status_list_index,
            },
        ) => {
            return Ok(LabelState {
                id: *id,
                application: application.clone(),
                vendor: vendor.clone(),
                level: *level,
                criteria: criteria.clone(),
                category: category.clone(),
                issued_on: *issued_on,
                renewed_on: None,
                expires_on: *expires_on,
                public: public.clone(),
                report: report.clone(),
                security: SecurityInfo::default(),
                revoked: None,
                expiry_recorded: false,
                status_list_index: *status_list_index,
            });
        }
        (None, _) => return Err(fold_err(e, "the label does not exist")),
        (Some(_), EventKind::LabelGranted { .. }) => return Err(fold_err(e, "the label already exists")),
        (Some(s), _) => s,
    };
    if s.revoked.is_some() {
        return Err(fold_err(e, "the label is revoked"));
    }
    match &ev.kind {
        EventKind::LabelRenewed { application, criteria, renewed_on, expires_on, public, report } => {
            s.application = application.clone();
            s.report = report.clone();
            s.criteria = criteria.clone();
            s.renewed_on = Some(*renewed_on);
            s.expires_on = *expires_on;
            s.public = public.clone();
            s.expiry_recorded = false;
        }
        EventKind::LabelRevoked { ground, statement } => {
            s.revoked = Some(Revocation { ground: ground.clone(), statement: statement.clone(), at: ev.at });
        }
        EventKind::ChangeReported { description, .. } => {
            s.revoked =
                Some(Revocation { ground: "specification_changed".into(), statement: description.clone(), at: ev.at });
        }
        EventKind::LabelExpired { .. } => s.expiry_recorded = true,
        EventKind::SecurityInfoUpdated { info } => s.security = info.clone(),
        _ => return Err(fold_err(e, "not a label event")),
    }
    Ok(s)
}

/// Rebuilds every application and label from the log alone.
pub fn replay(events: &[Event]) -> Result<(Vec<ApplicationState>, Vec<LabelState>), FoldError> {
    let mut apps: Vec<ApplicationState> = Vec::new();
    let mut labels: Vec<LabelState> = Vec::new();
    for e in events {
        match &e.event.subject {
            Subject::Application(id) => {
                let pos = apps.iter().position(|a| a.id == *id);
                let prev = pos.and_then(|p| apps.get(p).cloned());
                let next = apply_application(prev, e)?;
                match pos.and_then(|p| apps.get_mut(p)) {
                    Some(slot) => *slot = next,
                    None => apps.push(next),
                }
            }
            Subject::Label(id) => {
                let pos = labels.iter().position(|l| l.id == *id);
                let prev = pos.and_then(|p| labels.get(p).cloned());
                let next = apply_label(prev, e)?;
                match pos.and_then(|p| labels.get_mut(p)) {
                    Some(slot) => *slot = next,
                    None => labels.push(next),
                }
            }
        }
    }
    Ok((apps, labels))
}
