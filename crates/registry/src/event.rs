//! The append-only event log: every state change of an application or a
//! label is one event. The log is the record; the stored current state is
//! derived from it ([`crate::model::replay`]).

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use starmark_criteria::{Level, VersionRef};

use crate::auth::Actor;
use crate::label_id::LabelId;
use crate::model::{EvaluationReport, InquiryOutcome, ProblemRecord, PublicRecord, SecurityInfo};

/// What an event is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Subject {
    Application(String),
    Label(LabelId),
}

impl Subject {
    pub fn kind(&self) -> &'static str {
        match self {
            Subject::Application(_) => "application",
            Subject::Label(_) => "label",
        }
    }

    pub fn id(&self) -> String {
        match self {
            Subject::Application(id) => id.clone(),
            Subject::Label(id) => id.to_string(),
        }
    }
}

/// An event as recorded, with its place in the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Position in the log, assigned by the database; strictly increasing.
    pub seq: i64,
    #[serde(flatten)]
    pub event: NewEvent,
}

/// An event before it is appended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewEvent {
    pub at: Timestamp,
    pub actor: Actor,
    pub subject: Subject,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub kind: EventKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    ApplicationSubmitted {
        vendor: String,
        /// As declared by the checklist; absent if it named none.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        level: Option<Level>,
        criteria: VersionRef,
        /// The checklist as submitted, in its JSON encoding.
        checklist: serde_json::Value,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        renewal_of: Option<LabelId>,
        /// STAR-3/4: certified on a laboratory's report.
        #[serde(default)]
        third_party: bool,
    },
    FormatChecked {
        passed: bool,
        problems: Vec<ProblemRecord>,
    },
    /// An accredited laboratory attached its evaluation report (STAR-3/4).
    ReportAttached {
        report: EvaluationReport,
    },
    InquiryRecorded {
        outcome: InquiryOutcome,
        note: String,
    },
    ApplicationRefused {
        reason: String,
    },
    ApplicationGranted {
        label: LabelId,
    },
    LabelGranted {
        application: String,
        vendor: String,
        level: Level,
        criteria: VersionRef,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        category: Option<String>,
        issued_on: Date,
        expires_on: Date,
        public: PublicRecord,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        report: Option<EvaluationReport>,
        /// The label's bit in the status list.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status_list_index: Option<u64>,
    },
    LabelRenewed {
        application: String,
        criteria: VersionRef,
        renewed_on: Date,
        expires_on: Date,
        public: PublicRecord,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        report: Option<EvaluationReport>,
    },
    LabelRevoked {
        ground: String,
        statement: String,
    },
    /// The vendor reported a change of the product's security specification
    /// that affects the evaluation; the label is revoked by it.
    ChangeReported {
        description: String,
        /// The digest of the vendor's evidence bundle for the changed product.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        evidence_manifest_sha256: Option<String>,
    },
    LabelExpired {
        on: Date,
    },
    SecurityInfoUpdated {
        info: SecurityInfo,
    },
}

impl EventKind {
    /// The event's type name, as stored and shown in the public history.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::ApplicationSubmitted { .. } => "application_submitted",
            EventKind::FormatChecked { .. } => "format_checked",
            EventKind::ReportAttached { .. } => "report_attached",
            EventKind::InquiryRecorded { .. } => "inquiry_recorded",
            EventKind::ApplicationRefused { .. } => "application_refused",
            EventKind::ApplicationGranted { .. } => "application_granted",
            EventKind::LabelGranted { .. } => "label_granted",
            EventKind::LabelRenewed { .. } => "label_renewed",
            EventKind::LabelRevoked { .. } => "label_revoked",
            EventKind::ChangeReported { .. } => "change_reported",
            EventKind::LabelExpired { .. } => "label_expired",
            EventKind::SecurityInfoUpdated { .. } => "security_info_updated",
        }
    }
}
