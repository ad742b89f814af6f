//! The registry's HTTP server.
//!
//! [`serve`] takes an already-bound listener and a shutdown signal, so
//! tests bind `127.0.0.1:0` and talk to the real server. The JSON API lives
//! in [`api`] (under `/api/v1`, documented at `/api/openapi.json`); public
//! HTML pages are in [`pages`] and [`open_data`]; the transparency log
//! (proofs, `tlog-tiles`, key history) in [`transparency`]. Security headers, caching
//! validators ([`caching`]), compression and body limits come from middleware, errors are RFC 9457 problem documents.

mod api;
mod artwork;
mod caching;
mod extract;
mod open_data;
mod pages;
mod problem;
mod transparency;
mod views;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use starmark_registry::Registry;
use tower_http::set_header::SetResponseHeaderLayer;

/// Largest request body accepted: a checklist at its size limit plus room
/// for the encoding. Larger bodies get 413 before they are read.
pub const MAX_BODY_BYTES: usize = starmark_checklist::MAX_BYTES + 64 * 1024;

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    pub registry: Arc<Registry>,
    /// The public address of the site (`https://…`), used in QR codes and
    /// canonical links.
    pub public_base_url: String,
    pages: caching::PageCache,
}

impl AppState {
    pub fn new(registry: Arc<Registry>, public_base_url: String) -> AppState {
        AppState { registry, public_base_url, pages: caching::PageCache::default() }
    }
}

/// The whole application: API routes, the OpenAPI document, middleware.
pub fn app(state: AppState) -> Router {
    let (api_router, openapi) = api::router().split_for_parts();
    let openapi = Arc::new(openapi);
    let doc = {
        let openapi = openapi.clone();
        move || {
            let openapi = openapi.clone();
            async move { axum::Json(openapi.as_ref().clone()) }
        }
    };
    let hsts = state.public_base_url.starts_with("https://");
    let pages = state.pages.clone();
    let api_router = api_router
        .route("/api/openapi.json", axum::routing::get(doc))
        .layer(axum::middleware::from_fn(caching::api))
        // A successful write may change any page: forget them all.
        .layer(axum::middleware::from_fn(move |req: axum::extract::Request, next: axum::middleware::Next| {
            let pages = pages.clone();
            async move {
                let write = !matches!(*req.method(), axum::http::Method::GET | axum::http::Method::HEAD);
                let res = next.run(req).await;
                if write && res.status().is_success() {
                    pages.clear();
                }
                res
            }
        }));
    let public = Router::new()
        .route("/", axum::routing::get(pages::home))
        .route("/procurement", axum::routing::get(pages::procurement_form).post(pages::procurement_submit))
        .route("/labels/{label_id}", axum::routing::get(pages::label_page))
        .route("/labels/{label_id}/qr.svg", axum::routing::get(pages::qr_svg))
        .route("/labels/{label_id}/qr.png", axum::routing::get(pages::qr_png))
        .route("/labels/{label_id}/label.svg", axum::routing::get(pages::label_svg))
        .route("/labels/{label_id}/label.png", axum::routing::get(pages::label_png))
        .route("/static/starmark.css", axum::routing::get(pages::stylesheet))
        .route("/static/favicon.svg", axum::routing::get(pages::favicon))
        .route("/open-data", axum::routing::get(open_data::page))
        .route("/statistics", axum::routing::get(pages::statistics))
        .route("/feed.atom", axum::routing::get(open_data::feed))
        .route("/open-data/labels.json", axum::routing::get(open_data::labels_json))
        .route("/open-data/labels.csv", axum::routing::get(open_data::labels_csv))
        .route("/log/checkpoint", axum::routing::get(transparency::checkpoint))
        .route("/log/tile/{*path}", axum::routing::get(transparency::tile))
        .route("/.well-known/starmark-log-keys", axum::routing::get(transparency::keys_note))
        .route("/status/list.json", axum::routing::get(transparency::status_list))
        .layer(axum::middleware::from_fn(caching::public));
    let app = Router::new()
        .merge(api_router)
        .merge(public)
        .fallback(problem::not_found_fallback)
        .with_state(state)
        .layer(axum::middleware::from_fn(refuse_control_characters))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(header_layer(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header_layer(header::X_FRAME_OPTIONS, "DENY"))
        .layer(header_layer(header::REFERRER_POLICY, "no-referrer"))
        .layer(header_layer(header::CONTENT_SECURITY_POLICY, "default-src 'none'; frame-ancestors 'none'"))
        .layer(tower_http::compression::CompressionLayer::new());
    // HSTS only means something over TLS; a site served on plain HTTP (a
    // demo on localhost) must not pin browsers to HTTPS for a year.
    if hsts {
        app.layer(header_layer(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000; includeSubDomains"))
    } else {
        app
    }
}

/// Refuses a request whose path holds a control character (`%00`, `%0A`,
/// ...): no label, application or route has one, and some databases refuse
/// them outright (PostgreSQL: NUL in text), which would otherwise read as
/// the storage being unavailable. (Query parameters are checked where they
/// are read: search text drops control characters, the rest are validated.)
async fn refuse_control_characters(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    let decoded = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
    if decoded(req.uri().path()).chars().any(char::is_control) {
        return problem::ApiError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "control-character",
            "the request's path contains a control character; no label, application or page has one",
        )
        .into_response();
    }
    next.run(req).await
}

fn header_layer(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

/// The OpenAPI document of the API, as served.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api::router().split_for_parts().1
}

/// Serves until `shutdown` completes, then finishes in-flight requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(state)).with_graceful_shutdown(shutdown).await
}
