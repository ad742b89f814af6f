//! Domain values to wire types. Only what the caller may see crosses here:
//! a label's view carries public fields alone.

use jiff::civil::Date;
use starmark_api as api;
use starmark_checklist::Localized;
use starmark_criteria::{CatalogSet, VersionRef};
use starmark_registry::event::Event;
use starmark_registry::model::{ApplicationState, EvaluationReport, InquiryOutcome, LabelState, ProblemRecord};

pub(crate) fn text(l: &Localized) -> api::Text {
    api::Text { ja: l.ja.clone(), en: l.en.clone() }
}

fn criteria(v: &VersionRef) -> api::CriteriaVersion {
    api::CriteriaVersion { catalog: v.catalog.clone(), version: v.version.clone() }
}

fn problem(p: &ProblemRecord) -> api::FieldProblem {
    api::FieldProblem {
        pointer: p.pointer.clone(),
        severity: p.severity.clone(),
        code: p.code.clone(),
        message: p.message.clone(),
        help: p.help.clone(),
    }
}

fn report(r: &EvaluationReport) -> api::EvaluationReport {
    api::EvaluationReport {
        report_id: r.report_id.clone(),
        lab: r.lab.clone(),
        accreditation: r.accreditation.clone(),
        issued_on: r.issued_on.to_string(),
        criteria: criteria(&r.criteria),
        sha256: r.sha256.clone(),
        summary: text(&r.summary),
    }
}

pub(crate) fn application(a: &ApplicationState) -> api::Application {
    api::Application {
        id: a.id.clone(),
        status: a.status.id().to_string(),
        vendor: a.vendor.clone(),
        level: a.level.map(|l| l.id().to_string()),
        criteria: criteria(&a.criteria),
        problems: a.problems.iter().map(problem).collect(),
        inquiry: a.inquiry.as_ref().map(|(o, n)| api::Inquiry {
            outcome: match o {
                InquiryOutcome::Cleared => "cleared".into(),
                InquiryOutcome::Concern => "concern".into(),
            },
            note: n.clone(),
        }),
        refusal: a.refusal.clone(),
        label: a.label.map(|l| l.to_string()),
        renewal_of: a.renewal_of.map(|l| l.to_string()),
        report: a.report.as_ref().map(report),
        submitted_at: a.submitted_at.to_string(),
        updated_at: a.updated_at.to_string(),
        checklist: a.checklist.clone(),
    }
}

pub(crate) fn label(l: &LabelState, today: Date, catalogs: &CatalogSet) -> api::Label {
    let p = &l.public;
    api::Label {
        id: l.id.to_string(),
        level: l.level.id().to_string(),
        category: l.category.clone(),
        criteria: criteria(&l.criteria),
        status: l.status_on(today).id().to_string(),
        as_of: today.to_string(),
        issued_on: l.issued_on.to_string(),
        renewed_on: l.renewed_on.map(|d| d.to_string()),
        expires_on: l.expires_on.to_string(),
        applicant: text(&p.applicant),
        evaluator_category: p.evaluator_category.clone(),
        product: api::Product {
            name: text(&p.product_name),
            model_numbers: p.model_numbers.clone(),
            manufacturer: p.manufacturer.clone(),
            country_of_manufacture: p.country_of_manufacture.clone(),
            overview: text(&p.overview),
            url: p.url.clone(),
            inquiry_contact: p.inquiry_contact.clone(),
            other_certifications: p
                .other_certifications
                .iter()
                .map(|(s, n)| api::OtherCertification { scheme: s.clone(), number: n.clone() })
                .collect(),
        },
        report: l.report.as_ref().map(report),
        security: api::SecurityInfo {
            vulnerabilities: text(&l.security.vulnerabilities),
            vulnerability_contact: l.security.vulnerability_contact.clone(),
            other: text(&l.security.other),
        },
        revocation: l.revoked.as_ref().map(|r| api::Revocation {
            ground: r.ground.clone(),
            ground_name: catalogs
                .scheme
                .revocation_ground(&r.ground)
                .map(|g| api::Text { ja: g.name.ja.clone(), en: g.name.en.clone() })
                .unwrap_or_default(),
            statement: r.statement.clone(),
            at: r.at.to_string(),
        }),
    }
}

pub(crate) fn event(e: &Event) -> api::Event {
    let mut data = serde_json::to_value(&e.event.kind).unwrap_or_default();
    if let Some(o) = data.as_object_mut() {
        o.remove("type");
    }
    let role =
        serde_json::to_value(e.event.actor.role).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
    api::Event {
        seq: e.seq,
        at: e.event.at.to_string(),
        kind: e.event.kind.name().to_string(),
        actor_role: role,
        reason: e.event.reason.clone(),
        data,
    }
}
