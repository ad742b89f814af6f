//! The JSON API, `/api/v1`. Every handler is annotated for the OpenAPI
//! document and registered through [`utoipa_axum`], so a route cannot exist
//! without its documentation.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use starmark_api as wire;
use starmark_registry::label_id::{LabelId, LabelIdError};
use starmark_registry::model::{InquiryOutcome, LabelStatus, SecurityInfo};
use starmark_registry::store::LabelQuery;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::extract::{Auth, ChecklistBody, JsonBody, Key, idempotent};
use crate::problem::ApiError;
use crate::views;

#[derive(OpenApi)]
#[openapi(
    info(title = "starmark registry API", description = "Applications, labels and their lifecycle under the IoT product security labeling scheme (JC-STAR)."),
    modifiers(&BearerAuth),
    tags((name = "applications"), (name = "labels"), (name = "log"), (name = "system"))
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Every route of the API with its documentation.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(healthz))
        .routes(routes!(submit_application))
        .routes(routes!(get_application))
        .routes(routes!(application_events))
        .routes(routes!(attach_report))
        .routes(routes!(record_inquiry))
        .routes(routes!(grant))
        .routes(routes!(refuse))
        .routes(routes!(list_labels))
        .routes(routes!(get_label))
        .routes(routes!(label_events))
        .routes(routes!(revoke))
        .routes(routes!(report_change))
        .routes(routes!(renew))
        .routes(routes!(update_security_info))
        .routes(routes!(procurement_check))
        .routes(routes!(crate::transparency::log_entry))
        .routes(routes!(crate::transparency::inclusion_proof))
        .routes(routes!(crate::transparency::consistency_proof))
        .routes(routes!(crate::transparency::log_keys))
        .routes(routes!(crate::transparency::label_bundle))
}

fn json<T: serde::Serialize>(status: StatusCode, v: &T) -> Result<(StatusCode, serde_json::Value), ApiError> {
    serde_json::to_value(v)
        .map(|j| (status, j))
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "encoding", e.to_string()))
}

pub(crate) fn parse_label_id(s: &str) -> Result<LabelId, ApiError> {
    s.parse().map_err(|e: LabelIdError| {
        let code = match e {
            LabelIdError::Check(_) => "label-id-mistyped",
            _ => "not-a-label-id",
        };
        ApiError::new(StatusCode::NOT_FOUND, code, e.to_string())
    })
}

/// Storage health.
#[utoipa::path(get, path = "/healthz", tag = "system", responses(
    (status = 200, description = "Storage answers", body = wire::Health),
    (status = 503, description = "Storage does not answer", body = wire::ProblemDocument),
))]
async fn healthz(State(s): State<AppState>) -> Result<Json<wire::Health>, ApiError> {
    s.registry.store().health().await.map_err(starmark_registry::RegistryError::from)?;
    Ok(Json(wire::Health { status: "ok".into(), storage: "ok".into() }))
}

/// Submits a checklist (vendor). It is format-checked at once: a checklist
/// that fails is kept as `returned` with every problem; one that cannot be
/// read at all is refused with 422 and nothing is stored.
#[utoipa::path(post, path = "/api/v1/applications", tag = "applications",
    request_body(content = String, description = "The checklist", content_type = "application/toml"),
    params(("Idempotency-Key" = String, Header, description = "Required: a new random value per application; resend the same value when retrying")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created (check `status`: `returned` or `awaiting_inquiry`)", body = wire::Application),
        (status = 401, body = wire::ProblemDocument), (status = 403, body = wire::ProblemDocument),
        (status = 413, body = wire::ProblemDocument), (status = 415, body = wire::ProblemDocument),
        (status = 422, description = "The checklist cannot be read", body = wire::ProblemDocument),
        (status = 428, description = "No Idempotency-Key", body = wire::ProblemDocument),
    ))]
async fn submit_application(
    State(s): State<AppState>,
    Auth(p): Auth,
    headers: HeaderMap,
    body: ChecklistBody,
) -> Response {
    // Refuse the wrong role before asking for an idempotency key (the
    // registry checks the role again).
    if p.role != starmark_registry::auth::Role::Vendor {
        return ApiError::new(StatusCode::FORBIDDEN, "forbidden", "only a vendor token may submit an application")
            .into_response();
    }
    idempotent(
        &s.clone(),
        &p.clone(),
        "POST /api/v1/applications",
        Key::Required,
        &headers,
        &body.bytes.clone(),
        move || async move {
            let app = s.registry.submit(&p, &body.bytes, Some(body.encoding)).await?;
            json(StatusCode::CREATED, &views::application(&app))
        },
    )
    .await
}

/// An application (its vendor, or the scheme owner's staff).
#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "applications",
    params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = wire::Application), (status = 401, body = wire::ProblemDocument), (status = 404, body = wire::ProblemDocument)))]
async fn get_application(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> Result<Json<wire::Application>, ApiError> {
    Ok(Json(views::application(&s.registry.application(&p, &id).await?)))
}

/// An application's history.
#[utoipa::path(get, path = "/api/v1/applications/{id}/events", tag = "applications",
    params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Vec<wire::Event>), (status = 401, body = wire::ProblemDocument), (status = 404, body = wire::ProblemDocument)))]
async fn application_events(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> Result<Json<Vec<wire::Event>>, ApiError> {
    Ok(Json(s.registry.application_events(&p, &id).await?.iter().map(views::event).collect()))
}

/// Attaches the evaluation report to a STAR-3/4 application (the accredited
/// laboratory the application names).
#[utoipa::path(post, path = "/api/v1/applications/{id}/report", tag = "applications",
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = wire::ReportRequest, security(("bearer" = [])),
    responses((status = 200, body = wire::Application), (status = 403, body = wire::ProblemDocument), (status = 404, body = wire::ProblemDocument),
        (status = 409, body = wire::ProblemDocument), (status = 422, body = wire::ProblemDocument)))]
async fn attach_report(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: JsonBody<wire::ReportRequest>,
) -> Response {
    let route = format!("POST /api/v1/applications/{id}/report");
    idempotent(&s.clone(), &p.clone(), &route, Key::Optional, &headers, &body.bytes.clone(), move || async move {
        let b = &body.value;
        let issued_on = starmark_criteria::date::parse(&b.issued_on).map_err(|e| {
            ApiError::field(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-field",
                "/issued_on",
                e,
                "write the date as YYYY-MM-DD",
            )
        })?;
        let conforms = match b.result.as_str() {
            "conforms" => true,
            "does_not_conform" => false,
            _ => {
                return Err(ApiError::field(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid-field",
                    "/result",
                    "result must be `conforms` or `does_not_conform`",
                    "",
                ));
            }
        };
        let criteria =
            starmark_criteria::VersionRef { catalog: b.criteria.catalog.clone(), version: b.criteria.version.clone() };
        let summary = starmark_checklist::Localized { ja: b.summary.ja.clone(), en: b.summary.en.clone() };
        let sub = starmark_registry::ReportSubmission {
            report_id: b.report_id.clone(),
            issued_on,
            criteria,
            conforms,
            sha256: b.sha256.clone(),
            summary,
        };
        let app = s.registry.attach_report(&p, &id, sub).await?;
        json(StatusCode::OK, &views::application(&app))
    })
    .await
}

/// Records the supply-chain inquiry's outcome (liaison).
#[utoipa::path(post, path = "/api/v1/applications/{id}/inquiry", tag = "applications",
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = wire::InquiryRequest, security(("bearer" = [])),
    responses((status = 200, body = wire::Application), (status = 403, body = wire::ProblemDocument), (status = 409, body = wire::ProblemDocument), (status = 422, body = wire::ProblemDocument)))]
async fn record_inquiry(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: JsonBody<wire::InquiryRequest>,
) -> Response {
    let route = format!("POST /api/v1/applications/{id}/inquiry");
    idempotent(&s.clone(), &p.clone(), &route, Key::Optional, &headers, &body.bytes.clone(), move || async move {
        let outcome = match body.value.outcome.as_str() {
            "cleared" => InquiryOutcome::Cleared,
            "concern" => InquiryOutcome::Concern,
            _ => {
                return Err(ApiError::field(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid-field",
                    "/outcome",
                    "outcome must be `cleared` or `concern`",
                    "",
                ));
            }
        };
        let app = s.registry.record_inquiry(&p, &id, outcome, &body.value.note).await?;
        json(StatusCode::OK, &views::application(&app))
    })
    .await
}

/// Grants the label (reviewer). A renewal application renews its label instead.
#[utoipa::path(post, path = "/api/v1/applications/{id}/grant", tag = "applications",
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)), security(("bearer" = [])),
    responses((status = 201, body = wire::Label), (status = 403, body = wire::ProblemDocument), (status = 409, description = "Not grantable (already granted, inquiry pending, ...)", body = wire::ProblemDocument)))]
async fn grant(State(s): State<AppState>, Auth(p): Auth, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let route = format!("POST /api/v1/applications/{id}/grant");
    idempotent(&s.clone(), &p.clone(), &route, Key::Optional, &headers, b"", move || async move {
        let l = s.registry.grant(&p, &id).await?;
        json(StatusCode::CREATED, &views::label(&l, s.registry.today(), s.registry.catalogs()))
    })
    .await
}

/// Refuses an application (reviewer).
#[utoipa::path(post, path = "/api/v1/applications/{id}/refuse", tag = "applications",
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = wire::RefuseRequest, security(("bearer" = [])),
    responses((status = 200, body = wire::Application), (status = 403, body = wire::ProblemDocument), (status = 409, body = wire::ProblemDocument)))]
async fn refuse(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: JsonBody<wire::RefuseRequest>,
) -> Response {
    let route = format!("POST /api/v1/applications/{id}/refuse");
    idempotent(&s.clone(), &p.clone(), &route, Key::Optional, &headers, &body.bytes.clone(), move || async move {
        let app = s.registry.refuse(&p, &id, &body.value.reason).await?;
        json(StatusCode::OK, &views::application(&app))
    })
    .await
}

/// Searches the labels (public).
#[utoipa::path(get, path = "/api/v1/labels", tag = "labels",
    params(
        ("q" = Option<String>, Query, description = "Product name, model number, applicant or label ID"),
        ("level" = Option<String>, Query, description = "star-1 .. star-4"),
        ("status" = Option<String>, Query, description = "valid, expired or revoked"),
        ("category" = Option<String>, Query),
        ("page" = Option<u32>, Query, description = "From 1"),
        ("per_page" = Option<u32>, Query, description = "1 to 100, default 20"),
    ),
    responses((status = 200, body = wire::LabelPage), (status = 400, body = wire::ProblemDocument)))]
async fn list_labels(
    State(s): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<wire::LabelPage>, ApiError> {
    let bad = |name: &str, msg: &str| {
        ApiError::field(StatusCode::BAD_REQUEST, "invalid-query", &format!("/{name}"), msg.to_string(), "")
    };
    let level = params.get("level").map(|l| l.parse().map_err(|e: String| bad("level", &e))).transpose()?;
    let status = params
        .get("status")
        .map(|v| LabelStatus::parse(v).ok_or_else(|| bad("status", "status must be valid, expired or revoked")))
        .transpose()?;
    let number = |name: &str, default: u32, max: u32| -> Result<u32, ApiError> {
        match params.get(name) {
            None => Ok(default),
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| bad(name, &format!("{name} must be a whole number from 1 to {max}"))),
        }
    };
    let page = number("page", 1, 100_000)?;
    let per_page = number("per_page", 20, 100)?;
    let scheme = &s.registry.catalogs().scheme;
    let category = params
        .get("category")
        .map(|c| {
            scheme.product_category(c).map(|pc| pc.id.clone()).ok_or_else(|| {
                let ids: Vec<&str> = scheme.product_categories.iter().map(|pc| pc.id.as_str()).collect();
                bad("category", &format!("category must be one of the scheme's product categories: {}", ids.join(", ")))
            })
        })
        .transpose()?;
    let q = LabelQuery {
        q: params.get("q").cloned(),
        model: None,
        level,
        status,
        category,
        vendor: None,
        today: s.registry.today(),
        offset: (page - 1).saturating_mul(per_page),
        limit: per_page,
    };
    let found = s.registry.labels(q).await?;
    let today = s.registry.today();
    Ok(Json(wire::LabelPage {
        items: found.items.iter().map(|l| views::label(l, today, s.registry.catalogs())).collect(),
        total: found.total,
        page,
        per_page,
    }))
}

/// A label's public record (public).
#[utoipa::path(get, path = "/api/v1/labels/{label_id}", tag = "labels",
    params(("label_id" = String, Path, description = "e.g. STAR1-2026-000042K")),
    responses((status = 200, body = wire::Label), (status = 404, description = "No such label, or a mistyped ID", body = wire::ProblemDocument)))]
async fn get_label(State(s): State<AppState>, Path(id): Path<String>) -> Result<Json<wire::Label>, ApiError> {
    let l = s.registry.label(parse_label_id(&id)?).await?;
    Ok(Json(views::label(&l, s.registry.today(), s.registry.catalogs())))
}

/// A label's public history.
#[utoipa::path(get, path = "/api/v1/labels/{label_id}/events", tag = "labels",
    params(("label_id" = String, Path)),
    responses((status = 200, body = Vec<wire::Event>), (status = 404, body = wire::ProblemDocument)))]
async fn label_events(State(s): State<AppState>, Path(id): Path<String>) -> Result<Json<Vec<wire::Event>>, ApiError> {
    let events = s.registry.label_events(parse_label_id(&id)?).await?;
    Ok(Json(
        events
            .iter()
            .map(|e| {
                let mut v = views::event(e);
                // Internal references stay internal.
                if let Some(o) = v.data.as_object_mut() {
                    o.remove("vendor");
                    o.remove("application");
                }
                v
            })
            .collect(),
    ))
}

/// Revokes a label (reviewer), with one of the scheme's grounds and a public statement.
#[utoipa::path(post, path = "/api/v1/labels/{label_id}/revoke", tag = "labels",
    params(("label_id" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = wire::RevokeRequest, security(("bearer" = [])),
    responses((status = 200, body = wire::Label), (status = 403, body = wire::ProblemDocument), (status = 409, body = wire::ProblemDocument), (status = 422, body = wire::ProblemDocument)))]
async fn revoke(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: JsonBody<wire::RevokeRequest>,
) -> Response {
    let route = format!("POST /api/v1/labels/{id}/revoke");
    idempotent(&s.clone(), &p.clone(), &route, Key::Optional, &headers, &body.bytes.clone(), move || async move {
        let l = s.registry.revoke(&p, parse_label_id(&id)?, &body.value.ground, &body.value.statement).await?;
        json(StatusCode::OK, &views::label(&l, s.registry.today(), s.registry.catalogs()))
    })
    .await
}

/// Reports a change of the product's security specification (its vendor). The label is revoked.
#[utoipa::path(post, path = "/api/v1/labels/{label_id}/changes", tag = "labels",
    params(("label_id" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = wire::ChangeRequest, security(("bearer" = [])),
    responses((status = 200, body = wire::Label), (status = 403, body = wire::ProblemDocument), (status = 409, body = wire::ProblemDocument)))]
async fn report_change(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: JsonBody<wire::ChangeRequest>,
) -> Response {
    let route = format!("POST /api/v1/labels/{id}/changes");
    idempotent(&s.clone(), &p.clone(), &route, Key::Optional, &headers, &body.bytes.clone(), move || async move {
        let evidence = body.value.evidence_manifest_sha256.as_deref();
        let l = s.registry.report_change(&p, parse_label_id(&id)?, &body.value.description, evidence).await?;
        json(StatusCode::OK, &views::label(&l, s.registry.today(), s.registry.catalogs()))
    })
    .await
}

/// Applies for renewal with a new self-declaration (its vendor).
#[utoipa::path(post, path = "/api/v1/labels/{label_id}/renewals", tag = "labels",
    params(("label_id" = String, Path), ("Idempotency-Key" = String, Header, description = "Required")),
    request_body(content = String, description = "The new checklist", content_type = "application/toml"), security(("bearer" = [])),
    responses((status = 201, body = wire::Application), (status = 403, body = wire::ProblemDocument), (status = 409, body = wire::ProblemDocument), (status = 422, body = wire::ProblemDocument)))]
async fn renew(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: ChecklistBody,
) -> Response {
    let route = format!("POST /api/v1/labels/{id}/renewals");
    if p.role != starmark_registry::auth::Role::Vendor {
        return ApiError::new(StatusCode::FORBIDDEN, "forbidden", "only the vendor holding the label may renew it")
            .into_response();
    }
    idempotent(&s.clone(), &p.clone(), &route, Key::Required, &headers, &body.bytes.clone(), move || async move {
        let app = s.registry.renew(&p, parse_label_id(&id)?, &body.bytes, Some(body.encoding)).await?;
        json(StatusCode::CREATED, &views::application(&app))
    })
    .await
}

/// Replaces the security information on the product page (its vendor).
#[utoipa::path(put, path = "/api/v1/labels/{label_id}/security-info", tag = "labels",
    params(("label_id" = String, Path)), request_body = wire::SecurityInfo, security(("bearer" = [])),
    responses((status = 200, body = wire::Label), (status = 403, body = wire::ProblemDocument), (status = 409, body = wire::ProblemDocument), (status = 422, body = wire::ProblemDocument)))]
async fn update_security_info(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    body: JsonBody<wire::SecurityInfo>,
) -> Result<Json<wire::Label>, ApiError> {
    let v = body.value;
    let (pointer, t) = ("/vulnerability_contact", &v.vulnerability_contact);
    if t.chars().count() > 2000 {
        return Err(ApiError::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "text-too-long",
            pointer,
            "at most 2,000 characters",
            "",
        ));
    }
    if t.chars().any(starmark_checklist::forbidden_char) {
        return Err(ApiError::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-text",
            pointer,
            "the contact contains control or bidirectional-override characters",
            "give a plain web address or e-mail address",
        ));
    }
    let loc = |t: &wire::Text| starmark_checklist::Localized { ja: t.ja.clone(), en: t.en.clone() };
    for (pointer, t) in [("/vulnerabilities", &v.vulnerabilities), ("/other", &v.other)] {
        let long = [&t.ja, &t.en].into_iter().flatten().any(|x| x.chars().count() > starmark_checklist::MAX_TEXT_CHARS);
        let ctrl = [&t.ja, &t.en].into_iter().flatten().any(|x| x.chars().any(starmark_checklist::forbidden_char));
        if long || ctrl {
            return Err(ApiError::field(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-text",
                pointer,
                "text too long or with control or bidirectional-override characters",
                "at most 10,000 characters, no control characters, no U+202A-202E or U+2066-2069",
            ));
        }
    }
    let info = SecurityInfo {
        vulnerabilities: loc(&v.vulnerabilities),
        vulnerability_contact: v.vulnerability_contact.clone(),
        other: loc(&v.other),
    };
    let l = s.registry.update_security_info(&p, parse_label_id(&id)?, info).await?;
    Ok(Json(views::label(&l, s.registry.today(), s.registry.catalogs())))
}

/// Runs the procurement check for a body of lines and a system importance.
pub(crate) async fn run_procurement(
    s: &AppState,
    importance: &str,
    body: &str,
) -> Result<wire::ProcurementResult, ApiError> {
    let catalogs = s.registry.catalogs();
    let Some(rule) = catalogs.scheme.procurement_rule(importance) else {
        let ids: Vec<&str> = catalogs.scheme.procurement.iter().map(|r| r.id.as_str()).collect();
        return Err(ApiError::field(
            StatusCode::BAD_REQUEST,
            "invalid-query",
            "/importance",
            format!("unknown importance `{importance}`"),
            &format!("use one of: {}", ids.join(", ")),
        ));
    };
    let items = starmark_registry::procurement::items_from_csv(body);
    if items.is_empty() {
        return Err(ApiError::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "empty-list",
            "",
            "the list has no model numbers or label IDs",
            "send one per line (the first column of a CSV)",
        ));
    }
    let lines = s.registry.procurement_check(&items, rule.minimum_level).await?;
    let ok = lines.iter().filter(|l| l.ok).count();
    Ok(wire::ProcurementResult {
        importance: rule.id.clone(),
        minimum_level: rule.minimum_level.id().to_string(),
        checked_on: s.registry.today().to_string(),
        total: lines.len(),
        ok,
        lines: lines
            .into_iter()
            .map(|l| wire::ProcurementLine {
                line: l.line,
                input: l.input,
                ok: l.ok,
                label: l.label,
                level: l.level.map(|v| v.id().to_string()),
                status: l.status.map(|v| v.id().to_string()),
                reason: l.reason.to_string(),
                detail: l.detail,
            })
            .collect(),
    })
}

/// The result as CSV (for spreadsheet users).
pub(crate) fn procurement_csv(r: &wire::ProcurementResult) -> String {
    let q = crate::open_data::csv_cell;
    let mut out = String::from("line,input,ok,label,level,status,reason,detail\r\n");
    for l in &r.lines {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}\r\n",
            l.line,
            q(&l.input),
            l.ok,
            q(l.label.as_deref().unwrap_or("")),
            q(l.level.as_deref().unwrap_or("")),
            q(l.status.as_deref().unwrap_or("")),
            q(&l.reason),
            q(&l.detail)
        ));
    }
    out
}

/// Checks a purchase list (public): for each model number or label ID, is
/// there a valid label at the level the system's importance requires?
#[utoipa::path(post, path = "/api/v1/procurement/check", tag = "labels",
    params(("importance" = String, Query, description = "government-low, critical-infrastructure-selected or government-high-medium")),
    request_body(content = String, description = "One model number or label ID per line (the first CSV column)", content_type = "text/csv"),
    responses(
        (status = 200, description = "JSON, or CSV with `Accept: text/csv`", body = wire::ProcurementResult),
        (status = 400, body = wire::ProblemDocument), (status = 413, body = wire::ProblemDocument),
        (status = 415, body = wire::ProblemDocument), (status = 422, body = wire::ProblemDocument),
    ))]
async fn procurement_check(
    State(s): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let ct = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if ct != "text/csv" && ct != "text/plain" {
        return ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            format!("send text/csv or text/plain, not `{ct}`"),
        )
        .into_response();
    }
    let Ok(text) = std::str::from_utf8(&body) else {
        return ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "not-utf8",
            "the list is not UTF-8; save the CSV as UTF-8",
        )
        .into_response();
    };
    let importance = params.get("importance").map(String::as_str).unwrap_or("");
    let result = match run_procurement(&s, importance, text).await {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let wants_csv =
        headers.get(axum::http::header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/csv"));
    if wants_csv {
        let mut r = procurement_csv(&result).into_response();
        r.headers_mut()
            .insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("text/csv; charset=utf-8"));
        r.headers_mut().insert(
            axum::http::header::CONTENT_DISPOSITION,
            axum::http::HeaderValue::from_static("attachment; filename=\"procurement-check.csv\""),
        );
        return r;
    }
    Json(result).into_response()
}
