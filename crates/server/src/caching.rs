//! HTTP caching of public pages: validators and freshness a CDN can rely on.
//!
//! Every successful `GET`/`HEAD` answer whose body is complete in memory
//! (pages, QR codes, label artwork) gets a weak `ETag` computed from its
//! bytes, and a request whose `If-None-Match` names it gets `304 Not
//! Modified` without a body. The tag is weak because compression, applied
//! outside this layer, changes the bytes but not the meaning (the same
//! choice nginx makes when it compresses). Streamed answers (open data)
//! pass through untouched: hashing them would mean buffering them.
//!
//! Freshness is short for pages, whose status can change at any moment
//! (a revocation must reach buyers within a minute), and long for images
//! that only depend on the label ID. Error answers are not cached.
//!
//! [`PageCache`] keeps rendered product pages in memory for a few seconds,
//! so a label whose QR code is scanned by many at once costs one database
//! read and one rendering, not one per scan. Any successful write through
//! the API empties it; writes by other servers sharing a PostgreSQL
//! database show after at most [`PAGE_TTL`], well inside the minute of
//! freshness the pages promise to CDNs.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// Largest body this layer hashes; larger complete bodies are passed on
/// without a validator.
const MAX_HASHED: usize = 8 * 1024 * 1024;

/// `Cache-Control` of public HTML pages.
pub(crate) const PAGE: &str = "public, max-age=60";
/// `Cache-Control` of images that depend only on the label ID.
pub(crate) const IMMUTABLE_IMAGE: &str = "public, max-age=86400";

/// Adds `ETag`, answers `If-None-Match`, and sets a default
/// `Cache-Control` on public answers (see the module docs).
pub(crate) async fn public(req: Request, next: Next) -> Response {
    let conditional = req.headers().get(header::IF_NONE_MATCH).cloned();
    let cacheable_method = matches!(*req.method(), Method::GET | Method::HEAD);
    let mut res = next.run(req).await;
    if !cacheable_method {
        return res;
    }
    if !res.status().is_success() {
        res.headers_mut().entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
        return res;
    }
    res.headers_mut().entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static(PAGE));
    // A handler that knows its tag already (a cached page) is not hashed again.
    if let Some(etag) = res.headers().get(header::ETAG).cloned() {
        if conditional.as_ref().is_some_and(|c| matches(c, &etag)) {
            return not_modified(etag, res.headers());
        }
        return res;
    }
    let exact = axum::body::HttpBody::size_hint(res.body()).exact();
    if exact.is_none_or(|n| n > MAX_HASHED as u64) {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_HASHED).await {
        Ok(b) => b,
        Err(_) => return (StatusCode::INTERNAL_SERVER_ERROR, "response body failed").into_response(),
    };
    let etag = etag_of(&bytes);
    if conditional.as_ref().is_some_and(|c| matches(c, &etag)) {
        return not_modified(etag, &parts.headers);
    }
    parts.headers.insert(header::ETAG, etag);
    Response::from_parts(parts, Body::from(bytes))
}

/// The weak validator of a body: the first 128 bits of its SHA-256.
pub(crate) fn etag_of(bytes: &[u8]) -> HeaderValue {
    let digest = Sha256::digest(bytes);
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    HeaderValue::from_str(&format!("W/\"{hex}\"")).unwrap_or_else(|_| HeaderValue::from_static("W/\"0\""))
}

/// `304 Not Modified` with the headers a cache needs to refresh its copy.
fn not_modified(etag: HeaderValue, from: &axum::http::HeaderMap) -> Response {
    let mut r = StatusCode::NOT_MODIFIED.into_response();
    let h = r.headers_mut();
    h.insert(header::ETAG, etag);
    for name in [header::CACHE_CONTROL, header::CONTENT_LOCATION, header::VARY] {
        if let Some(v) = from.get(&name) {
            h.insert(name, v.clone());
        }
    }
    r
}

/// Whether an `If-None-Match` value names `etag` (weak comparison, as RFC
/// 9110 §13.1.2 asks for this header; `*` matches any current answer).
fn matches(if_none_match: &HeaderValue, etag: &HeaderValue) -> bool {
    let Ok(list) = if_none_match.to_str() else { return false };
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_string();
    let ours = etag.to_str().map(bare).unwrap_or_default();
    list.split(',').any(|t| t.trim() == "*" || bare(t) == ours)
}

/// API answers carry authorised, changing data: never stored by caches.
pub(crate) async fn api(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    res.headers_mut().entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_rendered_before_a_write_is_not_kept() {
        let cache = PageCache::default();
        let key = (
            starmark_registry::label_id::LabelId::new(starmark_criteria::Level::Star1, 2026, 1),
            false,
            jiff::civil::date(2026, 11, 28),
        );
        let page =
            || CachedPage { body: axum::body::Bytes::from_static(b"valid"), etag: HeaderValue::from_static("W/\"1\"") };
        // Read, then a revocation, then the stale render arrives.
        let read_at = cache.generation();
        cache.clear();
        let served = cache.insert(key, page(), read_at);
        assert_eq!(&served.body[..], b"valid", "the render itself is still answered once");
        cache.0.run_pending_tasks();
        assert!(cache.get(&key).is_none(), "but not kept");
        // A render from data read after the write is kept, until the next write.
        cache.insert(key, page(), cache.generation());
        assert!(cache.get(&key).is_some());
        cache.clear();
        assert!(cache.get(&key).is_none());
    }

    #[test]
    fn weak_comparison_and_lists() {
        let ours = HeaderValue::from_static("W/\"abc\"");
        assert!(matches(&HeaderValue::from_static("W/\"abc\""), &ours));
        assert!(matches(&HeaderValue::from_static("\"abc\""), &ours));
        assert!(matches(&HeaderValue::from_static("\"x\", W/\"abc\""), &ours));
        assert!(matches(&HeaderValue::from_static("*"), &ours));
        assert!(!matches(&HeaderValue::from_static("\"abcd\""), &ours));
        assert!(!matches(&HeaderValue::from_static(""), &ours));
    }
}

/// How long a rendered page is served from memory.
pub(crate) const PAGE_TTL: std::time::Duration = std::time::Duration::from_secs(5);

/// A rendered page and its validator.
#[derive(Debug)]
pub(crate) struct CachedPage {
    pub(crate) body: axum::body::Bytes,
    pub(crate) etag: HeaderValue,
}

/// Rendered product pages by label, language and the day they were
/// rendered for (a label's status depends on the date), and a generation
/// that every write moves on: a page rendered from data read before a write
/// (a revocation) is never kept after it.
#[derive(Clone)]
pub(crate) struct PageCache(
    moka::sync::Cache<(starmark_registry::label_id::LabelId, bool, jiff::civil::Date), std::sync::Arc<CachedPage>>,
    std::sync::Arc<std::sync::atomic::AtomicU64>,
);

impl std::fmt::Debug for PageCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageCache").field("entries", &self.0.entry_count()).finish()
    }
}

impl Default for PageCache {
    fn default() -> PageCache {
        PageCache(
            moka::sync::Cache::builder().max_capacity(10_000).time_to_live(PAGE_TTL).build(),
            std::sync::Arc::default(),
        )
    }
}

impl PageCache {
    pub(crate) fn get(
        &self,
        key: &(starmark_registry::label_id::LabelId, bool, jiff::civil::Date),
    ) -> Option<std::sync::Arc<CachedPage>> {
        self.0.get(key)
    }

    /// The generation to read before the data a page is rendered from.
    pub(crate) fn generation(&self) -> u64 {
        self.1.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Keeps `page`, rendered from data read at `generation`, unless a
    /// write came since (then it is served once and not kept).
    pub(crate) fn insert(
        &self,
        key: (starmark_registry::label_id::LabelId, bool, jiff::civil::Date),
        page: CachedPage,
        generation: u64,
    ) -> std::sync::Arc<CachedPage> {
        let page = std::sync::Arc::new(page);
        if self.generation() == generation {
            self.0.insert(key, page.clone());
            // A write between the check and the insert: `clear` may have
            // run before the insert, so take the page out again.
            if self.generation() != generation {
                self.0.invalidate(&key);
            }
        }
        page
    }

    /// Forgets every page (after a write).
    pub(crate) fn clear(&self) {
        self.1.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.0.invalidate_all();
    }
}
