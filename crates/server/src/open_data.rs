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

fn csv_cell(s: &str) -> String {
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
    // (next offset, whether the opening was sent, whether anything was written, done)
    let state = (0u32, false, false, false);
    let st = stream::unfold(state, move |(offset, opened, wrote, done)| {
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
                return Some((Ok::<_, std::io::Error>(head), (offset, true, wrote, false)));
            }
            let today = s.registry.today();
            let q = LabelQuery {
                q: None,
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
                Err(e) => return Some((Err(std::io::Error::other(e.to_string())), (offset, true, wrote, true))),
            };
            // The registry may return fewer than asked (it caps page sizes):
            // the total, not the page size, says when the end is reached.
            let got = u32::try_from(page.items.len()).unwrap_or(u32::MAX);
            let last = got == 0 || u64::from(offset) + u64::from(got) >= page.total;
            let mut chunk = String::new();
            let mut wrote_now = wrote;
            for l in &page.items {
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
            Some((Ok(chunk), (offset.saturating_add(got), true, wrote_now, last)))
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
