//! Public HTML pages: the product page behind a label's QR code, and the QR
//! code itself. Japanese by default, English with `?lang=en`. Templates are
//! compile-time checked and auto-escaping (askama); no JavaScript.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use starmark_criteria::{CatalogSet, Lang};
use starmark_registry::event::{Event, EventKind};
use starmark_registry::label_id::{LabelId, LabelIdError};
use starmark_registry::model::{LabelState, LabelStatus};

use crate::AppState;

/// Page texts in one language.
pub(crate) struct Strings {
    site: &'static str,
    other_lang_name: &'static str,
    label_info: &'static str,
    label_id: &'static str,
    level: &'static str,
    category: &'static str,
    criteria_version: &'static str,
    issued_on: &'static str,
    renewed_on: &'static str,
    expires_on: &'static str,
    applicant: &'static str,
    evaluator_category: &'static str,
    qr_alt: &'static str,
    artwork: &'static str,
    artwork_small: &'static str,
    artwork_large: &'static str,
    product_info: &'static str,
    product_name: &'static str,
    model_numbers: &'static str,
    manufacturer: &'static str,
    country: &'static str,
    overview: &'static str,
    product_url: &'static str,
    inquiry_contact: &'static str,
    other_certifications: &'static str,
    results: &'static str,
    criterion: &'static str,
    applicability: &'static str,
    verdict: &'static str,
    method: &'static str,
    evidence_held: &'static str,
    security_info: &'static str,
    vulnerabilities: &'static str,
    vulnerability_contact: &'static str,
    other_security: &'static str,
    none_published: &'static str,
    coverage: &'static str,
    coverage_note: &'static str,
    history: &'static str,
    verification: &'static str,
    verification_note: &'static str,
    signing_key: &'static str,
    log_index: &'static str,
    checkpoint_size: &'static str,
    bundle_download: &'static str,
    key_history: &'static str,
    not_in_log: &'static str,
    log_unavailable: &'static str,
    disclaimer: &'static str,
    outline: &'static str,
    valid: &'static str,
    expired: &'static str,
    revoked: &'static str,
    valid_until: &'static str,
    expired_on: &'static str,
    revoked_on: &'static str,
    applicable: &'static str,
    not_applicable: &'static str,
    conforms: &'static str,
    does_not_conform: &'static str,
    inconclusive: &'static str,
    document: &'static str,
    device_check: &'static str,
    not_found: &'static str,
    not_found_message: &'static str,
    mistyped_message: &'static str,
}

const JA: Strings = Strings {
    site: "IoT製品セキュリティ適合性評価制度（JC-STAR）",
    other_lang_name: "English",
    label_info: "ラベル情報",
    label_id: "ラベル識別番号",
    level: "適合評価レベル",
    category: "製品類型",
    criteria_version: "評価した適合基準の版",
    issued_on: "ラベル付与日",
    renewed_on: "ラベル更新日",
    expires_on: "有効期限",
    applicant: "ラベル申請者",
    evaluator_category: "評価者の区分",
    qr_alt: "このページのQRコード",
    artwork: "印刷用ラベル",
    artwork_small: "小 (幅20mm)",
    artwork_large: "大 (幅45mm)",
    product_info: "製品情報",
    product_name: "製品名",
    model_numbers: "型番",
    manufacturer: "製造者",
    country: "製造国・地域",
    overview: "製品概要",
    product_url: "製品ページ",
    inquiry_contact: "製品の問合せ先",
    other_certifications: "他の認証",
    results: "適合性評価結果",
    criterion: "適合基準",
    applicability: "適用",
    verdict: "結果",
    method: "評価方法",
    evidence_held: "評価の証拠は申請者が保管しています（署名付きの証拠一式。当登録簿は内容ではなく、そのマニフェストの SHA-256 のみを保持）",
    security_info: "セキュリティ情報",
    vulnerabilities: "脆弱性情報",
    vulnerability_contact: "脆弱性の報告先",
    other_security: "その他のセキュリティ情報",
    none_published: "公表なし",
    coverage: "他国制度の要件との対応",
    coverage_note: "適合基準が他国制度の要件をどこまで満たすかの対応表（starmarkによる推定を含む。根拠の区分を併記）。",
    history: "ラベルの履歴",
    verification: "検証情報",
    verification_note: "このラベルの各事象は登録機関の鍵で署名され、改ざんを検出できる公開の透明性ログに記録されています。このページ自体は証明ではありません。検証用データをダウンロードし、登録機関が公表する鍵で次のように実行すると、このページを信頼せずに確認できます。",
    signing_key: "署名鍵",
    log_index: "ログ上の位置（最新の事象）",
    checkpoint_size: "チェックポイントの件数",
    bundle_download: "検証用データ（JSON）をダウンロード",
    key_history: "登録機関の鍵の履歴",
    not_in_log: "このラベルの事象は透明性ログの導入前のもので、ログにはありません。",
    log_unavailable: "透明性ログを読み出せませんでした。しばらくしてから再読み込みしてください。",
    disclaimer: "ラベルは適合基準への適合を示すものであり、製品の完全な安全を保証するものではありません。",
    outline: "制度の概要",
    valid: "有効",
    expired: "ラベル有効期限切れ",
    revoked: "ラベル取消し",
    valid_until: "有効期限",
    expired_on: "有効期限",
    revoked_on: "取消日",
    applicable: "適用",
    not_applicable: "適用外",
    conforms: "適合",
    does_not_conform: "不適合",
    inconclusive: "判定不能",
    document: "文書",
    device_check: "実機",
    not_found: "ラベルが見つかりません",
    not_found_message: "このラベル識別番号は登録されていません。",
    mistyped_message: "ラベル識別番号のチェック文字が一致しません。入力を確認してください。",
};

const EN: Strings = Strings {
    site: "IoT Product Security Conformity Assessment Scheme (JC-STAR)",
    other_lang_name: "日本語",
    label_info: "Label information",
    label_id: "Label ID",
    level: "Level",
    category: "Product category",
    criteria_version: "Criteria version evaluated",
    issued_on: "Issued on",
    renewed_on: "Renewed on",
    expires_on: "Valid through",
    applicant: "Applicant",
    evaluator_category: "Evaluator category",
    qr_alt: "QR code of this page",
    artwork: "Printable label",
    artwork_small: "small (20 mm wide)",
    artwork_large: "large (45 mm wide)",
    product_info: "Product information",
    product_name: "Product name",
    model_numbers: "Model numbers",
    manufacturer: "Manufacturer",
    country: "Country or region of manufacture",
    overview: "Overview",
    product_url: "Product page",
    inquiry_contact: "Product inquiries",
    other_certifications: "Other certifications",
    results: "Conformity assessment results",
    criterion: "Criterion",
    applicability: "Applicability",
    verdict: "Result",
    method: "Method",
    evidence_held: "The vendor keeps the evaluation evidence (a signed bundle; this registry holds only the SHA-256 of its manifest, never its content)",
    security_info: "Security information",
    vulnerabilities: "Vulnerability information",
    vulnerability_contact: "Where to report vulnerabilities",
    other_security: "Other security information",
    none_published: "None published",
    coverage: "Coverage of other schemes' requirements",
    coverage_note: "How far the criteria cover other schemes' requirements (partly starmark's inference; the basis of each link is shown).",
    history: "Label history",
    verification: "Verification details",
    verification_note: "Every event of this label is signed with the registry's key and recorded in a public, tamper-evident transparency log. This page itself is no proof: download the verification bundle and run the following with the registry's published key to check the label without trusting this page.",
    signing_key: "Signing key",
    log_index: "Log index (latest event)",
    checkpoint_size: "Checkpoint size",
    bundle_download: "Download the verification bundle (JSON)",
    key_history: "The registry's key history",
    not_in_log: "This label's events predate the transparency log and are not in it.",
    log_unavailable: "The transparency log could not be read just now; reload the page in a moment.",
    disclaimer: "A label shows conformity to the criteria; it does not guarantee that the product is fully secure.",
    outline: "About the scheme",
    valid: "Valid",
    expired: "Label expired",
    revoked: "Label revoked",
    valid_until: "valid through",
    expired_on: "expired after",
    revoked_on: "revoked on",
    applicable: "applicable",
    not_applicable: "not applicable",
    conforms: "conforms",
    does_not_conform: "does not conform",
    inconclusive: "inconclusive",
    document: "document",
    device_check: "device check",
    not_found: "Label not found",
    not_found_message: "No label has this ID.",
    mistyped_message: "The label ID's check character does not match: please check the ID.",
};

pub(crate) struct ResultRow {
    id: String,
    title: String,
    applicability: &'static str,
    verdict: &'static str,
    method: String,
}

pub(crate) struct CoverageRow {
    scheme: String,
    summary: String,
}

pub(crate) struct HistoryRow {
    at: String,
    date: String,
    what: String,
}

#[derive(Template)]
#[template(path = "label.html")]
pub(crate) struct LabelPage<'a> {
    lang: &'static str,
    other_lang: &'static str,
    other_lang_href: String,
    t: &'a Strings,
    canonical: String,
    outline_url: String,
    id: String,
    product_name: String,
    status_class: &'static str,
    status_text: &'static str,
    status_detail: String,
    revocation_statement: String,
    level: String,
    category: String,
    criteria: String,
    issued_on: String,
    renewed_on: String,
    expires_on: String,
    applicant: String,
    evaluator_category: String,
    model_numbers: Vec<String>,
    manufacturer: String,
    country: String,
    overview: String,
    product_url: String,
    inquiry_contact: String,
    certifications: Vec<String>,
    report: String,
    /// The evidence bundle's manifest digest and key ID, when the checklist names one.
    evidence: String,
    results: Vec<ResultRow>,
    vulnerabilities: String,
    vulnerability_contact: String,
    other_security: String,
    coverage: Vec<CoverageRow>,
    history: Vec<HistoryRow>,
    /// `NAME+KEYID` of the key that signed the latest statement; empty when
    /// the label is not in the log.
    verify_key: String,
    verify_index: String,
    verify_size: String,
    bundle_url: String,
    /// The log could not be read for this answer.
    log_unavailable: bool,
}

#[derive(Template)]
#[template(path = "not_found.html")]
pub(crate) struct NotFoundPage {
    lang: &'static str,
    title: &'static str,
    message: &'static str,
}

#[derive(Debug, Deserialize)]
pub(crate) struct LangQuery {
    lang: Option<String>,
}

fn lang_of(q: &LangQuery) -> (Lang, &'static Strings) {
    match q.lang.as_deref() {
        Some("en") => (Lang::En, &EN),
        _ => (Lang::Ja, &JA),
    }
}

fn loc(l: &starmark_checklist::Localized, lang: Lang) -> String {
    l.exact(lang).or_else(|| l.exact(if lang == Lang::Ja { Lang::En } else { Lang::Ja })).unwrap_or("").to_string()
}

/// An HTML page with the page's own security policy (styles from this site only).
pub(crate) fn html(status: StatusCode, body: String) -> Response {
    html_bytes(status, axum::body::Bytes::from(body))
}

fn html_bytes(status: StatusCode, body: axum::body::Bytes) -> Response {
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
    );
    r
}

pub(crate) fn render_error(e: askama::Error) -> Response {
    tracing::error!(error = %e, "template failed");
    (StatusCode::INTERNAL_SERVER_ERROR, "page could not be rendered").into_response()
}

fn not_found(lang: Lang, mistyped: bool) -> Response {
    let t = if lang == Lang::En { &EN } else { &JA };
    let page = NotFoundPage {
        lang: if lang == Lang::En { "en" } else { "ja" },
        title: t.not_found,
        message: if mistyped { t.mistyped_message } else { t.not_found_message },
    };
    match page.render() {
        Ok(b) => html(StatusCode::NOT_FOUND, b),
        Err(e) => render_error(e),
    }
}

pub(crate) async fn stylesheet() -> Response {
    let mut r = include_str!("../templates/starmark.css").into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8"));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    r
}

/// The site icon: a white star on black, like the level mark.
pub(crate) async fn favicon() -> Response {
    let mut r = include_str!("../templates/favicon.svg").into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml"));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    r
}

/// The product page: `GET /labels/{label_id}`.
pub(crate) async fn label_page(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<LangQuery>,
) -> Response {
    let (lang, t) = lang_of(&q);
    let label_id: LabelId = match id.parse() {
        Ok(l) => l,
        Err(e) => return not_found(lang, matches!(e, LabelIdError::Check(_))),
    };
    let key = (label_id, lang == Lang::En, s.registry.today());
    if let Some(page) = s.pages.get(&key) {
        return cached_html(&page);
    }
    let generation = s.pages.generation();
    let label = match s.registry.label(label_id).await {
        Ok(l) => l,
        Err(e) if e.kind == starmark_registry::ErrorKind::NotFound => return not_found(lang, false),
        Err(e) => return crate::problem::ApiError::from(e).into_response(),
    };
    let events = s.registry.label_events(label_id).await.unwrap_or_default();
    let checklist = s.registry.store().application(&label.application).await.ok().flatten().map(|a| a.state.checklist);
    // A label with no statement in the log says so; any other failure
    // leaves the section out of this one answer, which is not cached.
    let (proof, cacheable) = match s.registry.label_proof(label_id).await {
        Ok(p) => (Some(p), true),
        Err(e) if e.kind == starmark_registry::ErrorKind::NotFound => (None, true),
        Err(e) => {
            tracing::warn!(error = %e, label = %label_id, "no log proof for the product page");
            (None, false)
        }
    };
    let mut page = build(&s, &label, &events, checklist.as_ref(), lang, t);
    page.log_unavailable = !cacheable;
    if let Some(p) = proof {
        page.verify_key = starmark_tlog::statement::signer(p.entry.leaf.as_bytes()).unwrap_or_default();
        page.verify_index = p.entry.index.to_string();
        page.verify_size = p.size.to_string();
    }
    match page.render() {
        Ok(b) if !cacheable => {
            // Nobody (no CDN either) keeps a page whose log read failed.
            let mut r = html_bytes(StatusCode::OK, axum::body::Bytes::from(b));
            r.headers_mut().insert(header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
            r
        }
        Ok(b) => {
            let body = axum::body::Bytes::from(b);
            let etag = crate::caching::etag_of(&body);
            cached_html(&s.pages.insert(key, crate::caching::CachedPage { body, etag }, generation))
        }
        Err(e) => render_error(e),
    }
}

/// A page from the cache, with its validator.
fn cached_html(page: &crate::caching::CachedPage) -> Response {
    let mut r = html_bytes(StatusCode::OK, page.body.clone());
    r.headers_mut().insert(header::ETAG, page.etag.clone());
    r
}

fn build<'a>(
    s: &AppState,
    l: &LabelState,
    events: &[Event],
    checklist: Option<&serde_json::Value>,
    lang: Lang,
    t: &'a Strings,
) -> LabelPage<'a> {
    let catalogs: &CatalogSet = s.registry.catalogs();
    let today = s.registry.today();
    let (status_class, status_text, status_detail) = match l.status_on(today) {
        LabelStatus::Valid => ("valid", t.valid, format!("{} {}", t.valid_until, l.expires_on)),
        LabelStatus::Expired => ("expired", t.expired, format!("{} {}", t.expired_on, l.expires_on)),
        LabelStatus::Revoked => {
            let r = l.revoked.as_ref();
            let ground = r
                .and_then(|r| catalogs.scheme.revocation_ground(&r.ground))
                .map(|g| g.name.get(lang).to_string())
                .unwrap_or_default();
            let on = r
                .map(|r| starmark_registry::clock::scheme_tz().to_datetime(r.at).date().to_string())
                .unwrap_or_default();
            ("revoked", t.revoked, format!("{} {on}: {ground}", t.revoked_on))
        }
    };
    let p = &l.public;
    let evaluator_category = catalogs
        .scheme
        .evaluator_category(&p.evaluator_category)
        .map(|c| c.name.get(lang).to_string())
        .unwrap_or_else(|| p.evaluator_category.clone());
    let category = l
        .category
        .as_deref()
        .map(|c| {
            catalogs.scheme.product_category(c).map(|pc| pc.name.get(lang).to_string()).unwrap_or_else(|| c.to_string())
        })
        .unwrap_or_default();
    let catalog = catalogs.catalog(&l.criteria.catalog, &l.criteria.version);
    let criteria = catalog
        .map(|c| format!("{} ({} {})", c.catalog.title.get(lang), c.id(), c.version()))
        .unwrap_or_else(|| format!("{} {}", l.criteria.catalog, l.criteria.version));
    let evidence = checklist
        .and_then(|c| c.get("evidence_bundle"))
        .and_then(|b| {
            let digest = b.get("manifest_sha256")?.as_str()?;
            Some(match b.get("key_id").and_then(|k| k.as_str()) {
                Some(k) => format!("SHA-256 {digest} (key {k})"),
                None => format!("SHA-256 {digest}"),
            })
        })
        .unwrap_or_default();
    let results = checklist
        .and_then(|c| c.get("items"))
        .and_then(|i| i.as_array())
        .map(|items| {
            items
                .iter()
                .map(|it| {
                    let id = it.get("id").and_then(|v| v.as_str()).unwrap_or("").to_string();
                    let title = catalog
                        .and_then(|c| c.requirement(&id))
                        .map(|r| r.title.get(lang).to_string())
                        .unwrap_or_default();
                    let str_of = |k: &str| it.get(k).and_then(|v| v.as_str()).unwrap_or("");
                    let applicability = match str_of("applicability") {
                        "not_applicable" => t.not_applicable,
                        _ => t.applicable,
                    };
                    let verdict = match str_of("verdict") {
                        "conforms" => t.conforms,
                        "does_not_conform" => t.does_not_conform,
                        "inconclusive" => t.inconclusive,
                        _ => "",
                    };
                    let method = it
                        .get("method")
                        .and_then(|m| m.as_array())
                        .map(|ms| {
                            ms.iter()
                                .map(|m| if m.as_str() == Some("device_check") { t.device_check } else { t.document })
                                .collect::<Vec<_>>()
                                .join(" + ")
                        })
                        .unwrap_or_default();
                    ResultRow { id, title, applicability, verdict, method }
                })
                .collect()
        })
        .unwrap_or_default();
    let report = l
        .report
        .as_ref()
        .map(|r| format!("{} — {} ({}), {} — SHA-256 {}", r.report_id, r.lab, r.accreditation, r.issued_on, r.sha256))
        .unwrap_or_default();
    let mut coverage = Vec::new();
    for x in catalogs
        .crosswalks
        .iter()
        .filter(|x| x.crosswalk.from.catalog == l.criteria.catalog && x.crosswalk.from.version == l.criteria.version)
    {
        let target = &x.crosswalk.to.catalog;
        let levels = catalogs.current(target).and_then(|c| c.catalog.levels).unwrap_or(0);
        let names: Vec<String> = if levels == 0 {
            vec![target.clone()]
        } else {
            (1..=levels.min(2)).map(|n| format!("{target}-{n}")).collect()
        };
        for name in names {
            let from = format!("{}@{}", l.criteria.catalog, l.criteria.version);
            if let Ok(c) = catalogs.map(&from, &name) {
                let title = catalogs
                    .resolve(target)
                    .map(|k| k.catalog.title.get(lang).to_string())
                    .unwrap_or_else(|| target.clone());
                let scheme = c.level.map(|n| format!("{title} (level {n})")).unwrap_or(title);
                let gaps: Vec<&str> = c.targets.iter().filter(|t| t.is_gap()).map(|t| t.id.as_str()).collect();
                let mut summary = format!(
                    "{}/{} (official {}, inferred {}, hypothesis {})",
                    c.summary.covered, c.summary.targets, c.summary.official, c.summary.inferred, c.summary.hypothesis
                );
                if !gaps.is_empty() {
                    summary.push_str(&format!("; gaps: {}", gaps.join(", ")));
                }
                coverage.push(CoverageRow { scheme, summary });
            }
        }
    }
    let history = events
        .iter()
        .map(|e| {
            let date = starmark_registry::clock::scheme_tz().to_datetime(e.event.at).date().to_string();
            let what = match (&e.event.kind, lang) {
                (EventKind::LabelGranted { .. }, Lang::Ja) => "ラベル付与".to_string(),
                (EventKind::LabelGranted { .. }, Lang::En) => "label granted".to_string(),
                (EventKind::LabelRenewed { expires_on, .. }, Lang::Ja) => {
                    format!("ラベル更新（有効期限 {expires_on}）")
                }
                (EventKind::LabelRenewed { expires_on, .. }, Lang::En) => {
                    format!("label renewed (valid through {expires_on})")
                }
                (EventKind::ChangeReported { evidence_manifest_sha256: Some(d), .. }, Lang::Ja) => {
                    format!("仕様変更の届出によるラベル取消し（変更後の製品の証拠一式は申請者が保管: SHA-256 {d}）")
                }
                (EventKind::ChangeReported { evidence_manifest_sha256: Some(d), .. }, Lang::En) => {
                    format!("label revoked on a reported change (the vendor keeps the changed product's evidence: SHA-256 {d})")
                }
                (EventKind::LabelRevoked { .. }, Lang::Ja) | (EventKind::ChangeReported { .. }, Lang::Ja) => {
                    "ラベル取消し".to_string()
                }
                (EventKind::LabelRevoked { .. }, Lang::En) | (EventKind::ChangeReported { .. }, Lang::En) => {
                    "label revoked".to_string()
                }
                (EventKind::LabelExpired { .. }, Lang::Ja) => "有効期限切れ".to_string(),
                (EventKind::LabelExpired { .. }, Lang::En) => "label expired".to_string(),
                (EventKind::SecurityInfoUpdated { .. }, Lang::Ja) => "セキュリティ情報の更新".to_string(),
                (EventKind::SecurityInfoUpdated { .. }, Lang::En) => "security information updated".to_string(),
                (k, _) => k.name().to_string(),
            };
            HistoryRow { at: e.event.at.to_string(), date, what }
        })
        .collect();
    let base = s.public_base_url.trim_end_matches('/');
    LabelPage {
        lang: if lang == Lang::En { "en" } else { "ja" },
        other_lang: if lang == Lang::En { "ja" } else { "en" },
        other_lang_href: if lang == Lang::En {
            format!("/labels/{}", l.id)
        } else {
            format!("/labels/{}?lang=en", l.id)
        },
        t,
        canonical: format!("{base}/labels/{}", l.id),
        outline_url: catalogs.scheme.scheme.outline_url.clone(),
        id: l.id.to_string(),
        product_name: loc(&p.product_name, lang),
        status_class,
        status_text,
        status_detail,
        revocation_statement: l.revoked.as_ref().map(|r| r.statement.clone()).unwrap_or_default(),
        level: l.level.mark().to_string(),
        category,
        criteria,
        issued_on: l.issued_on.to_string(),
        renewed_on: l.renewed_on.map(|d| d.to_string()).unwrap_or_default(),
        expires_on: l.expires_on.to_string(),
        applicant: loc(&p.applicant, lang),
        evaluator_category,
        model_numbers: p.model_numbers.clone(),
        manufacturer: p.manufacturer.clone().unwrap_or_default(),
        country: p.country_of_manufacture.clone().unwrap_or_default(),
        overview: loc(&p.overview, lang),
        product_url: p
            .url
            .clone()
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
            .unwrap_or_default(),
        inquiry_contact: p.inquiry_contact.clone(),
        certifications: p.other_certifications.iter().map(|(s, n)| format!("{s}: {n}")).collect(),
        report,
        evidence,
        results,
        vulnerabilities: loc(&l.security.vulnerabilities, lang),
        vulnerability_contact: l.security.vulnerability_contact.clone(),
        other_security: loc(&l.security.other, lang),
        coverage,
        history,
        verify_key: String::new(),
        verify_index: String::new(),
        verify_size: String::new(),
        bundle_url: format!("/api/v1/labels/{}/bundle", l.id),
        log_unavailable: false,
    }
}

/// A label that exists and its canonical page URL, or the response that
/// explains why not.
async fn canonical(s: &AppState, id: &str) -> Result<(LabelId, String), Box<Response>> {
    let label: LabelId = id.parse().map_err(|e| Box::new(not_found(Lang::Ja, matches!(e, LabelIdError::Check(_)))))?;
    if s.registry.label(label).await.is_err() {
        return Err(Box::new(not_found(Lang::Ja, false)));
    }
    Ok((label, format!("{}/labels/{label}", s.public_base_url.trim_end_matches('/'))))
}

/// The QR code of a label's canonical URL, or the response that explains why not.
async fn qr(s: &AppState, id: &str) -> Result<qrcode::QrCode, Box<Response>> {
    let (_, url) = canonical(s, id).await?;
    qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
        .map_err(|_| Box::new((StatusCode::INTERNAL_SERVER_ERROR, "QR encoding failed").into_response()))
}

#[derive(Debug, Deserialize)]
pub(crate) struct SizeQuery {
    size: Option<String>,
}

/// The label artwork's SVG, or the response that explains why not.
async fn artwork_svg(s: &AppState, id: &str, q: &SizeQuery) -> Result<(String, crate::artwork::Size), Box<Response>> {
    let Some(size) = crate::artwork::Size::parse(q.size.as_deref()) else {
        return Err(Box::new(
            crate::problem::ApiError::field(
                StatusCode::BAD_REQUEST,
                "invalid-query",
                "size",
                "size must be small (20 mm wide), medium (30 mm) or large (45 mm)",
                "leave size out for medium",
            )
            .into_response(),
        ));
    };
    let (label, url) = canonical(s, id).await?;
    let svg = crate::artwork::svg(label, &url, size)
        .ok_or_else(|| Box::new((StatusCode::INTERNAL_SERVER_ERROR, "QR encoding failed").into_response()))?;
    Ok((svg, size))
}

/// An image that depends only on the label ID: cacheable for a day.
fn image(body: impl IntoResponse, content_type: &'static str) -> Response {
    let mut r = body.into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(crate::caching::IMMUTABLE_IMAGE));
    r
}

/// Printable label artwork, SVG with outlined text: `?size=small|medium|large`.
pub(crate) async fn label_svg(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<SizeQuery>,
) -> Response {
    let (svg, _) = match artwork_svg(&s, &id, &q).await {
        Ok(a) => a,
        Err(r) => return *r,
    };
    image(svg, "image/svg+xml")
}

/// The same artwork as a 600 dpi PNG.
pub(crate) async fn label_png(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<SizeQuery>,
) -> Response {
    let (svg, size) = match artwork_svg(&s, &id, &q).await {
        Ok(a) => a,
        Err(r) => return *r,
    };
    // Rasterizing takes a few milliseconds of CPU: off the async workers.
    let png = match tokio::task::spawn_blocking(move || crate::artwork::png(&svg, size)).await {
        Ok(Some(p)) => p,
        _ => return (StatusCode::INTERNAL_SERVER_ERROR, "PNG rendering failed").into_response(),
    };
    image(png, "image/png")
}

/// The QR code of a label's canonical page URL, as SVG.
pub(crate) async fn qr_svg(State(s): State<AppState>, Path(id): Path<String>) -> Response {
    let code = match qr(&s, &id).await {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let svg = code.render::<qrcode::render::svg::Color>().min_dimensions(200, 200).quiet_zone(true).build();
    image(svg, "image/svg+xml")
}

/// The same QR code as PNG.
pub(crate) async fn qr_png(State(s): State<AppState>, Path(id): Path<String>) -> Response {
    let code = match qr(&s, &id).await {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let img = code.render::<image::Luma<u8>>().min_dimensions(300, 300).quiet_zone(true).build();
    let mut out = std::io::Cursor::new(Vec::new());
    if img.write_to(&mut out, image::ImageFormat::Png).is_err() {
        return (StatusCode::INTERNAL_SERVER_ERROR, "PNG encoding failed").into_response();
    }
    image(out.into_inner(), "image/png")
}

/// Texts of the home and search page.
pub(crate) struct HomeStrings {
    site: &'static str,
    other_lang_name: &'static str,
    search_title: &'static str,
    intro: &'static str,
    how_to_read: &'static str,
    outline: &'static str,
    search_label: &'static str,
    level: &'static str,
    status: &'static str,
    category: &'static str,
    any: &'static str,
    search: &'static str,
    did_you_mean: &'static str,
    prev: &'static str,
    next: &'static str,
    first_run_title: &'static str,
    first_run: &'static str,
}

const HOME_JA: HomeStrings = HomeStrings {
    site: JA.site,
    other_lang_name: "English",
    search_title: "ラベル取得製品の検索",
    intro: "JC-STARは、IoT製品のセキュリティ機能を共通の基準で評価し、ラベルで示す制度です。★1は全製品共通の最低限の基準への適合をベンダーが自己宣言したもの、★2は製品類型ごとの基準を加えたもの、★3・★4は独立試験機関の評価に基づき認証されたものです。",
    how_to_read: "ラベルのQRコードは、この登録簿の製品ページにつながります。ラベル識別番号（例：STAR1-2026-000042K）の最後の文字は入力誤りを見つけるためのチェック文字です。",
    outline: "制度の概要",
    search_label: "製品名・型番・申請者・ラベル識別番号",
    level: "レベル",
    status: "状態",
    category: "製品類型",
    any: "すべて",
    search: "検索",
    did_you_mean: "入力したラベル識別番号はチェック文字が一致しません。次の番号ではありませんか：",
    prev: "前へ",
    next: "次へ",
    first_run_title: "まだラベルがありません",
    first_run: "この登録簿にはまだラベルがありません。運用者は、サーバーの計算機で次のコマンドにより最初の組織とAPIトークンを作成してください（トークンは一度だけ表示されます）。",
};

const HOME_EN: HomeStrings = HomeStrings {
    site: EN.site,
    other_lang_name: "日本語",
    search_title: "Search labeled products",
    intro: "JC-STAR assesses the security functions of IoT products against common criteria and shows the result as a label. STAR-1 is the vendor's declaration that the product meets the baseline common to all products; STAR-2 adds criteria per product category; STAR-3 and STAR-4 are certified on an independent test laboratory's evaluation.",
    how_to_read: "A label's QR code opens the product's page in this registry. The last character of a label ID (e.g. STAR1-2026-000042K) is a check character that catches typing mistakes.",
    outline: "About the scheme",
    search_label: "Product name, model number, applicant or label ID",
    level: "Level",
    status: "Status",
    category: "Product category",
    any: "any",
    search: "Search",
    did_you_mean: "The label ID you typed has a wrong check character. Did you mean:",
    prev: "Previous",
    next: "Next",
    first_run_title: "No labels yet",
    first_run: "This registry holds no labels yet. Operators: on the server's machine, create the first organizations and API tokens with these commands (a token is shown once).",
};

pub(crate) struct ResultLine {
    id: String,
    name: String,
    level: &'static str,
    status: &'static str,
    status_class: &'static str,
    models: String,
}

#[derive(Template)]
#[template(path = "home.html")]
pub(crate) struct HomePage<'a> {
    lang: &'static str,
    lang_query: &'static str,
    other_lang: &'static str,
    other_lang_href: String,
    t: &'a HomeStrings,
    outline_url: String,
    q: String,
    levels: Vec<(String, String, bool)>,
    statuses: Vec<(String, String, bool)>,
    categories: Vec<(String, String, bool)>,
    did_you_mean: Vec<String>,
    empty_registry: bool,
    searched: bool,
    count_text: String,
    results: Vec<ResultLine>,
    prev_href: String,
    next_href: String,
}

const PER_PAGE: u32 = 20;

/// Home and search: `GET /?q=&level=&status=&category=&page=&lang=`.
/// Unknown filter values are ignored rather than refused: this is a page
/// for people.
pub(crate) async fn home(
    State(s): State<AppState>,
    Query(p): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let en = p.get("lang").is_some_and(|l| l == "en");
    let (lang, t, pt) = if en { (Lang::En, &HOME_EN, &EN) } else { (Lang::Ja, &HOME_JA, &JA) };
    let q: String = p.get("q").map(|q| q.chars().filter(|c| !c.is_control()).take(200).collect()).unwrap_or_default();
    let level = p.get("level").and_then(|l| l.parse::<starmark_criteria::Level>().ok());
    let status = p.get("status").and_then(|v| LabelStatus::parse(v));
    let catalogs = s.registry.catalogs();
    let category = p.get("category").filter(|c| catalogs.scheme.product_category(c).is_some()).cloned();
    let page: u32 = p.get("page").and_then(|n| n.parse().ok()).filter(|n| (1..=10_000).contains(n)).unwrap_or(1);
    let searched = !q.trim().is_empty() || level.is_some() || status.is_some() || category.is_some();

    let mut did_you_mean = Vec::new();
    if let Err(LabelIdError::Check(_)) = q.parse::<LabelId>() {
        for id in LabelId::near_misses(&q) {
            if did_you_mean.len() < 5 && s.registry.label(id).await.is_ok() {
                did_you_mean.push(id.to_string());
            }
        }
    }
    let (mut results, mut total) = (Vec::new(), 0);
    if searched {
        let query = starmark_registry::store::LabelQuery {
            q: Some(q.clone()).filter(|q| !q.trim().is_empty()),
            model: None,
            level,
            status,
            category: category.clone(),
            vendor: None,
            today: s.registry.today(),
            offset: (page - 1) * PER_PAGE,
            limit: PER_PAGE,
        };
        match s.registry.labels(query).await {
            Ok(found) => {
                total = found.total;
                let today = s.registry.today();
                results = found
                    .items
                    .iter()
                    .map(|l| {
                        let (status, status_class) = match l.status_on(today) {
                            LabelStatus::Valid => (pt.valid, "valid"),
                            LabelStatus::Expired => (pt.expired, "expired"),
                            LabelStatus::Revoked => (pt.revoked, "revoked"),
                        };
                        ResultLine {
                            id: l.id.to_string(),
                            name: loc(&l.public.product_name, lang),
                            level: l.level.mark(),
                            status,
                            status_class,
                            models: l.public.model_numbers.join(", "),
                        }
                    })
                    .collect();
            }
            Err(e) => return crate::problem::ApiError::from(e).into_response(),
        }
    }
    let base_params = {
        let mut v = Vec::new();
        if !q.is_empty() {
            v.push(format!("q={}", starmark_api::percent_encode(&q)));
        }
        if let Some(l) = level {
            v.push(format!("level={}", l.id()));
        }
        if let Some(st) = status {
            v.push(format!("status={}", st.id()));
        }
        if let Some(c) = &category {
            v.push(format!("category={}", starmark_api::percent_encode(c)));
        }
        v
    };
    let href = |page: u32, lang_en: bool| {
        let mut v = base_params.clone();
        if page > 1 {
            v.push(format!("page={page}"));
        }
        if lang_en {
            v.push("lang=en".into());
        }
        if v.is_empty() { "/".to_string() } else { format!("/?{}", v.join("&")) }
    };
    let pages = u32::try_from(total.div_ceil(u64::from(PER_PAGE))).unwrap_or(u32::MAX);
    let empty_registry = !searched
        && s.registry
            .labels(starmark_registry::store::LabelQuery {
                q: None,
                model: None,
                level: None,
                status: None,
                category: None,
                vendor: None,
                today: s.registry.today(),
                offset: 0,
                limit: 1,
            })
            .await
            .is_ok_and(|p| p.total == 0);
    let home = HomePage {
        lang: if en { "en" } else { "ja" },
        lang_query: if en { "?lang=en" } else { "" },
        other_lang: if en { "ja" } else { "en" },
        other_lang_href: href(page, !en),
        t,
        outline_url: catalogs.scheme.scheme.outline_url.clone(),
        levels: starmark_criteria::Level::ALL
            .iter()
            .map(|l| (l.id().to_string(), l.mark().to_string(), Some(*l) == level))
            .collect(),
        statuses: [
            (LabelStatus::Valid, pt.valid),
            (LabelStatus::Expired, pt.expired),
            (LabelStatus::Revoked, pt.revoked),
        ]
        .iter()
        .map(|(st, name)| (st.id().to_string(), name.to_string(), Some(*st) == status))
        .collect(),
        categories: catalogs
            .scheme
            .product_categories
            .iter()
            .map(|c| (c.id.clone(), c.name.get(lang).to_string(), category.as_deref() == Some(c.id.as_str())))
            .collect(),
        q,
        did_you_mean,
        empty_registry,
        searched,
        count_text: if en { format!("{total} label(s)") } else { format!("{total}件") },
        results,
        prev_href: if page > 1 { href(page - 1, en) } else { String::new() },
        next_href: if page < pages { href(page + 1, en) } else { String::new() },
    };
    match home.render() {
        Ok(b) => html(StatusCode::OK, b),
        Err(e) => render_error(e),
    }
}

pub(crate) struct ProcurementStrings {
    site: &'static str,
    other_lang_name: &'static str,
    title: &'static str,
    intro: &'static str,
    importance: &'static str,
    items: &'static str,
    check: &'static str,
    download: &'static str,
    item: &'static str,
    result: &'static str,
    label: &'static str,
    why: &'static str,
    ok: &'static str,
    ng: &'static str,
}

const PROC_JA: ProcurementStrings = ProcurementStrings {
    site: JA.site,
    other_lang_name: "English",
    title: "調達リストの確認",
    intro: "調達予定の製品の型番又はラベル識別番号を1行に1つ（CSVなら1列目）入力し、システムの重要度を選ぶと、求められるレベル以上の有効なラベルがあるかを行ごとに示します。",
    importance: "システムの重要度",
    items: "型番又はラベル識別番号（1行に1つ）",
    check: "確認",
    download: "結果をCSVでダウンロード",
    item: "入力",
    result: "判定",
    label: "ラベル",
    why: "理由",
    ok: "可",
    ng: "不可",
};

const PROC_EN: ProcurementStrings = ProcurementStrings {
    site: EN.site,
    other_lang_name: "日本語",
    title: "Procurement check",
    intro: "Enter the model numbers or label IDs of the products to buy, one per line (the first column of a CSV), and choose the importance of the system: each line says whether a valid label at the required level exists, and why not.",
    importance: "System importance",
    items: "Model numbers or label IDs, one per line",
    check: "Check",
    download: "Download the result as CSV",
    item: "Input",
    result: "Result",
    label: "Label",
    why: "Why",
    ok: "OK",
    ng: "Not OK",
};

#[derive(Template)]
#[template(path = "procurement.html")]
pub(crate) struct ProcurementPage<'a> {
    lang: &'static str,
    lang_query: &'static str,
    other_lang: &'static str,
    other_lang_query: &'static str,
    t: &'a ProcurementStrings,
    rules: Vec<(String, String, bool)>,
    items: String,
    error: String,
    checked: bool,
    summary: String,
    lines: Vec<starmark_api::ProcurementLine>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ProcurementForm {
    #[serde(default)]
    importance: String,
    #[serde(default)]
    items: String,
    #[serde(default)]
    format: String,
}

fn procurement_page(
    s: &AppState,
    en: bool,
    form: Option<&ProcurementForm>,
    result: Option<starmark_api::ProcurementResult>,
    error: String,
) -> Response {
    let lang = if en { Lang::En } else { Lang::Ja };
    let selected = form.map(|f| f.importance.as_str()).unwrap_or("government-low");
    let page = ProcurementPage {
        lang: if en { "en" } else { "ja" },
        lang_query: if en { "?lang=en" } else { "" },
        other_lang: if en { "ja" } else { "en" },
        other_lang_query: if en { "" } else { "?lang=en" },
        t: if en { &PROC_EN } else { &PROC_JA },
        rules: s
            .registry
            .catalogs()
            .scheme
            .procurement
            .iter()
            .map(|r| (r.id.clone(), format!("{} — {}", r.name.get(lang), r.minimum_level.mark()), r.id == selected))
            .collect(),
        items: form.map(|f| f.items.clone()).unwrap_or_default(),
        error,
        checked: result.is_some(),
        summary: result
            .as_ref()
            .map(|r| {
                if en {
                    format!("{} of {} lines OK (minimum {})", r.ok, r.total, r.minimum_level)
                } else {
                    format!("{}行中{}行が可（必要なレベル：{}）", r.total, r.ok, r.minimum_level)
                }
            })
            .unwrap_or_default(),
        lines: result.map(|r| r.lines).unwrap_or_default(),
    };
    match page.render() {
        Ok(b) => html(StatusCode::OK, b),
        Err(e) => render_error(e),
    }
}

/// `GET /procurement`: the form.
pub(crate) async fn procurement_form(State(s): State<AppState>, Query(q): Query<LangQuery>) -> Response {
    procurement_page(&s, q.lang.as_deref() == Some("en"), None, None, String::new())
}

/// `POST /procurement`: the result as a page, or as CSV.
pub(crate) async fn procurement_submit(
    State(s): State<AppState>,
    Query(q): Query<LangQuery>,
    axum::Form(form): axum::Form<ProcurementForm>,
) -> Response {
    let en = q.lang.as_deref() == Some("en");
    match crate::api::run_procurement(&s, &form.importance, &form.items).await {
        Ok(result) if form.format == "csv" => {
            let mut r = crate::api::procurement_csv(&result).into_response();
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
            r.headers_mut().insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"procurement-check.csv\""),
            );
            r
        }
        Ok(result) => procurement_page(&s, en, Some(&form), Some(result), String::new()),
        Err(e) => procurement_page(&s, en, Some(&form), None, e.detail),
    }
}

pub(crate) struct Bar {
    label: String,
    y: u32,
    w1: u32,
    w2: u32,
    w3: u32,
}

#[derive(Template)]
#[template(path = "statistics.html")]
pub(crate) struct StatisticsPage {
    lang: &'static str,
    lang_query: &'static str,
    other_lang: &'static str,
    other_lang_query: &'static str,
    other_lang_name: &'static str,
    site: &'static str,
    title: &'static str,
    as_of: String,
    by_level_title: &'static str,
    by_category_title: &'static str,
    by_month_title: &'static str,
    level_col: &'static str,
    category_col: &'static str,
    month_col: &'static str,
    labels_col: &'static str,
    valid: &'static str,
    expired: &'static str,
    revoked: &'static str,
    level_bars: Vec<Bar>,
    level_height: u32,
    level_rows: Vec<(String, u64, u64, u64)>,
    category_rows: Vec<(String, u64)>,
    month_bars: Vec<Bar>,
    month_height: u32,
    month_rows: Vec<(String, u64)>,
}

/// Width in the 320-unit chart area for `n` of `max`.
fn width(n: u64, max: u64) -> u32 {
    n.saturating_mul(320).checked_div(max).map_or(0, |w| u32::try_from(w).unwrap_or(320))
}

/// `GET /statistics`: labels by level and status, by category, grants per month.
pub(crate) async fn statistics(State(s): State<AppState>, Query(q): Query<LangQuery>) -> Response {
    let en = q.lang.as_deref() == Some("en");
    let lang = if en { Lang::En } else { Lang::Ja };
    let t = if en { &EN } else { &JA };
    let today = s.registry.today();
    let stats = match s.registry.store().label_stats(today).await {
        Ok(st) => st,
        Err(e) => return crate::problem::ApiError::from(starmark_registry::RegistryError::from(e)).into_response(),
    };
    let catalogs = s.registry.catalogs();
    let level_name = |id: &str| {
        id.parse::<starmark_criteria::Level>().map(|l| l.mark().to_string()).unwrap_or_else(|_| id.to_string())
    };
    let max_level = stats.by_level.iter().map(|(_, a, b, c)| a + b + c).max().unwrap_or(0);
    let level_bars: Vec<Bar> = stats
        .by_level
        .iter()
        .zip(0u32..)
        .map(|((l, v, e, r), i)| Bar {
            label: level_name(l),
            y: i * 24,
            w1: width(*v, max_level),
            w2: width(*e, max_level),
            w3: width(*r, max_level),
        })
        .collect();
    let max_month = stats.granted_by_month.iter().map(|(_, n)| *n).max().unwrap_or(0);
    let month_bars: Vec<Bar> = stats
        .granted_by_month
        .iter()
        .zip(0u32..)
        .map(|((m, n), i)| Bar { label: m.clone(), y: i * 24, w1: width(*n, max_month), w2: 0, w3: 0 })
        .collect();
    let none = if en { "(none: STAR-1)" } else { "（なし：★1）" };
    let page = StatisticsPage {
        lang: if en { "en" } else { "ja" },
        lang_query: if en { "?lang=en" } else { "" },
        other_lang: if en { "ja" } else { "en" },
        other_lang_query: if en { "" } else { "?lang=en" },
        other_lang_name: t.other_lang_name,
        site: t.site,
        title: if en { "Statistics" } else { "統計" },
        as_of: if en { format!("As of {today}.") } else { format!("{today} 時点") },
        by_level_title: if en { "Labels by level and status" } else { "レベル別・状態別のラベル数" },
        by_category_title: if en { "Labels by product category" } else { "製品類型別のラベル数" },
        by_month_title: if en { "Labels granted per month (UTC)" } else { "月別のラベル付与数（UTC）" },
        level_col: t.level,
        category_col: t.category,
        month_col: if en { "Month" } else { "月" },
        labels_col: if en { "Labels" } else { "ラベル数" },
        valid: t.valid,
        expired: t.expired,
        revoked: t.revoked,
        level_height: u32::try_from(level_bars.len()).unwrap_or(0) * 24 + 4,
        level_bars,
        level_rows: stats.by_level.iter().map(|(l, v, e, r)| (level_name(l), *v, *e, *r)).collect(),
        category_rows: stats
            .by_category
            .iter()
            .map(|(c, n)| {
                let name = if c.is_empty() {
                    none.to_string()
                } else {
                    catalogs
                        .scheme
                        .product_category(c)
                        .map(|pc| pc.name.get(lang).to_string())
                        .unwrap_or_else(|| c.clone())
                };
                (name, *n)
            })
            .collect(),
        month_height: u32::try_from(month_bars.len()).unwrap_or(0) * 24 + 4,
        month_bars,
        month_rows: stats.granted_by_month.clone(),
    };
    match page.render() {
        Ok(b) => html(StatusCode::OK, b),
        Err(e) => render_error(e),
    }
}
