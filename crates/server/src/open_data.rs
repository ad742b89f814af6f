//! Open data: every label's public record as JSON and as CSV, streamed page
//! by page from storage so that memory stays flat however many labels exist.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use futures_util::stream;
use starmark_registry::store::LabelQuery;

use crate::AppState;
use crate::views;

const PAGE: u32 = 500;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Csv,
}

/// The CSV columns, in order.
const CSV_HEADER: &str = "label_id,level,category,status,as_of,criteria_catalog,criteria_version,issued_on,renewed_on,expires_on,applicant_ja,applicant_en,product_name_ja,product_name_en,model_numbers,manufacturer,country_of_manufacture,product_url,evaluator_category,revocation_ground\r\n";

/// One CSV cell, quoted; a cell that a spreadsheet would read as a formula
/// is prefixed with `'`.
pub(crate) fn csv_cell(s: &str) -> String {
    // A leading =, +, - or @ would be a formula in a spreadsheet.
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_string() };
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn csv_row(l: &starmark_api::Label) -> String {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    let cells = [
        l.id.clone(),
        l.level.clone(),
        o(&l.category),
        l.status.clone(),
        l.as_of.clone(),
        l.criteria.catalog.clone(),
        l.criteria.version.clone(),
        l.issued_on.clone(),
        o(&l.renewed_on),
        l.expires_on.clone(),
        o(&l.applicant.ja),
        o(&l.applicant.en),
        o(&l.product.name.ja),
        o(&l.product.name.en),
        l.product.model_numbers.join(" "),
        o(&l.product.manufacturer),
        o(&l.product.country_of_manufacture),
        o(&l.product.url),
        l.evaluator_category.clone(),
        l.revocation.as_ref().map(|r| r.ground.clone()).unwrap_or_default(),
    ];
    let mut row = cells.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(",");
    row.push_str("\r\n");
    row
}

/// Streams the labels: the opening, one chunk per page of labels, the closing.
fn labels_stream(s: AppState, format: Format) -> Body {
    // (next offset, whether the opening was sent, whether anything was
    // written, done, the last label written). Labels are never deleted and
    // come in label-ID order, so a label granted during the download can
    // only push rows to later pages: the first rows of a page may repeat
    // the last ones written, never skip one. Those are left out.
    let state = (0u32, false, false, false, None::<starmark_registry::label_id::LabelId>);
    let st = stream::unfold(state, move |(offset, opened, wrote, done, written)| {
        let s = s.clone();
        async move {
            if done {
                return None;
            }
            if !opened {
                let head = match format {
                    Format::Json => "{\"labels\":[".to_string(),
                    Format::Csv => CSV_HEADER.to_string(),
                };
                return Some((Ok::<_, std::io::Error>(head), (offset, true, wrote, false, written)));
            }
            let today = s.registry.today();
            let q = LabelQuery {
                q: None,
                model: None,
                level: None,
                status: None,
                category: None,
                vendor: None,
                today,
                offset,
                limit: PAGE,
            };
            let page = match s.registry.labels(q).await {
                Ok(p) => p,
                // The status line is already sent: end the body early; a
                // truncated document does not parse, so no client mistakes it for complete.
                Err(e) => {
                    return Some((Err(std::io::Error::other(e.to_string())), (offset, true, wrote, true, written)));
                }
            };
            // The registry may return fewer than asked (it caps page sizes):
            // the total, not the page size, says when the end is reached.
            let got = u32::try_from(page.items.len()).unwrap_or(u32::MAX);
            let last = got == 0 || u64::from(offset) + u64::from(got) >= page.total;
            let mut chunk = String::new();
            let mut wrote_now = wrote;
            let mut written = written;
            for l in &page.items {
                if written.is_some_and(|w| l.id <= w) {
                    continue;
                }
                written = Some(l.id);
                let v = views::label(l, today, s.registry.catalogs());
                match format {
                    Format::Json => {
                        if wrote_now {
                            chunk.push(',');
                        }
                        chunk.push_str(&serde_json::to_string(&v).unwrap_or_default());
                    }
                    Format::Csv => chunk.push_str(&csv_row(&v)),
                }
                wrote_now = true;
            }
            if last && format == Format::Json {
                chunk.push_str(&format!("],\"as_of\":\"{today}\"}}"));
            }
            Some((Ok(chunk), (offset.saturating_add(got), true, wrote_now, last, written)))
        }
    });
    Body::from_stream(st)
}

fn respond(body: Body, content_type: &'static str) -> Response {
    let mut r = body.into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    r.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    r
}

/// `GET /open-data/labels.json`
pub(crate) async fn labels_json(State(s): State<AppState>) -> Response {
    respond(labels_stream(s, Format::Json), "application/json")
}

/// `GET /open-data/labels.csv`
pub(crate) async fn labels_csv(State(s): State<AppState>) -> Response {
    respond(labels_stream(s, Format::Csv), "text/csv; charset=utf-8")
}

struct FeedEntry {
    seq: i64,
    at: String,
    label: String,
    title: String,
    summary: String,
}

#[derive(askama::Template)]
#[template(path = "feed.xml")]
struct Feed {
    lang: &'static str,
    title: &'static str,
    author: String,
    base: String,
    updated: String,
    entries: Vec<FeedEntry>,
}

/// `GET /feed.atom`: the newest 100 label status changes.
pub(crate) async fn feed(State(s): State<AppState>) -> Response {
    use askama::Template;
    use starmark_registry::event::{EventKind, Subject};
    let events = match s.registry.store().recent_label_events(100).await {
        Ok(e) => e,
        Err(e) => return crate::problem::ApiError::from(starmark_registry::RegistryError::from(e)).into_response(),
    };
    let entries: Vec<FeedEntry> = events
        .iter()
        .filter_map(|e| {
            let Subject::Label(id) = &e.event.subject else { return None };
            let (what, summary) = match &e.event.kind {
                EventKind::LabelGranted { public, expires_on, .. } => (
                    "granted",
                    format!(
                        "{} — valid through {expires_on}",
                        public.product_name.en.clone().or_else(|| public.product_name.ja.clone()).unwrap_or_default()
                    ),
                ),
                EventKind::LabelRenewed { expires_on, .. } => ("renewed", format!("valid through {expires_on}")),
                EventKind::LabelRevoked { ground, statement } => ("revoked", format!("{ground}: {statement}")),
                EventKind::ChangeReported { description, .. } => {
                    ("revoked", format!("specification_changed: {description}"))
                }
                EventKind::LabelExpired { on } => ("expired", format!("expired after {on}")),
                EventKind::SecurityInfoUpdated { .. } => ("security information updated", String::new()),
                _ => return None,
            };
            Some(FeedEntry {
                seq: e.seq,
                at: e.event.at.to_string(),
                label: id.to_string(),
                title: format!("{id} {what}"),
                summary,
            })
        })
        .collect();
    let feed = Feed {
        lang: "en",
        title: "JC-STAR label status changes",
        author: s.registry.catalogs().scheme.scheme.owner.get(starmark_criteria::Lang::En).to_string(),
        base: s.public_base_url.trim_end_matches('/').to_string(),
        updated: entries.first().map(|e| e.at.clone()).unwrap_or_else(|| jiff::Timestamp::UNIX_EPOCH.to_string()),
        entries,
    };
    match feed.render() {
        Ok(b) => {
            let mut r = b.into_response();
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/atom+xml; charset=utf-8"));
            r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
            r
        }
        Err(e) => {
            tracing::error!(error = %e, "feed failed");
            (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "feed could not be rendered").into_response()
        }
    }
}

#[derive(askama::Template)]
#[template(path = "open_data.html")]
struct OpenDataPage {
    lang: &'static str,
    title: &'static str,
    intro: &'static str,
    json: &'static str,
    csv: &'static str,
    feed: &'static str,
    api: &'static str,
}

/// `GET /open-data`: what is published and where.
pub(crate) async fn page(
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Response {
    use askama::Template;
    let en = q.get("lang").is_some_and(|l| l == "en");
    let p = if en {
        OpenDataPage {
            lang: "en",
            title: "Open data",
            intro: "Every label's public record, free to reuse. Files are generated on request and reflect the registry at that moment.",
            json: "All labels as JSON (the same fields as the API's label record).",
            csv: "All labels as CSV, one row per label (UTF-8; cells that would start a spreadsheet formula are prefixed with ').",
            feed: "Atom feed of the newest 100 status changes (granted, renewed, revoked, expired).",
            api: "The JSON API's OpenAPI document.",
        }
    } else {
        OpenDataPage {
            lang: "ja",
            title: "オープンデータ",
            intro: "全ラベルの公開情報を自由に再利用できます。ファイルは要求時に生成され、その時点の登録内容を表します。",
            json: "全ラベル（JSON。APIのラベル情報と同じ項目）",
            csv: "全ラベル（CSV、1行1ラベル、UTF-8。表計算の数式になりうるセルには ' を付けています）",
            feed: "最新100件の状態変化（付与・更新・取消し・期限切れ）のAtomフィード",
            api: "JSON APIのOpenAPI文書",
        }
    };
    match p.render() {
        Ok(b) => crate::pages::html(axum::http::StatusCode::OK, b),
        Err(e) => crate::pages::render_error(e),
    }
}
