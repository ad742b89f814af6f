//! The transparency log over HTTP.
//!
//! - JSON under `/api/v1/log` (entries, inclusion and consistency proofs,
//!   the key history) and `/api/v1/labels/{id}/bundle` (what proves one
//!   label, for `starmark verify` and for download from the product page).
//! - The C2SP `tlog-tiles` layout under `/log/`: `checkpoint`, hash tiles
//!   `tile/<L>/<N>[.p/<W>]` and entry bundles `tile/entries/<N>[.p/<W>]`.
//!   Tiles never change once they exist, so they are served as immutable:
//!   a mirror or CDN can carry the whole log.
//! - The key history as a signed note at `/.well-known/starmark-log-keys`.
//! - The status list at `/status/list.json` (W3C Bitstring Status List).

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use starmark_api as wire;
use starmark_registry::transparency::LogEntry;

use crate::AppState;
use crate::problem::ApiError;

/// Tiles are 2^8 hashes wide (C2SP `tlog-tiles`).
const TILE_WIDTH: u64 = 256;
/// `Cache-Control` of tiles: their content never changes.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of the checkpoint: it moves with every label event.
const CHECKPOINT: &str = "public, max-age=5";

fn entry(e: LogEntry) -> wire::LogEntry {
    wire::LogEntry { index: e.index, label: e.label.to_string(), leaf: e.leaf, record: e.record }
}

fn hashes(h: &[[u8; 32]]) -> Vec<String> {
    h.iter().map(|x| B64.encode(x)).collect()
}

fn bad_query(name: &str, msg: String) -> ApiError {
    ApiError::field(StatusCode::BAD_REQUEST, "invalid-query", &format!("/{name}"), msg, "")
}

/// A whole number query parameter, or `default` when absent.
fn number(params: &HashMap<String, String>, name: &str, default: Option<u64>) -> Result<u64, ApiError> {
    match (params.get(name), default) {
        (Some(v), _) => v.parse::<u64>().map_err(|_| bad_query(name, format!("{name} must be a whole number"))),
        (None, Some(d)) => Ok(d),
        (None, None) => Err(bad_query(name, format!("{name} is required"))),
    }
}

fn proof_error(e: starmark_tlog::merkle::ProofError) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "no-such-proof", e.to_string())
}

/// One log entry: the signed statement and its record.
#[utoipa::path(get, path = "/api/v1/log/entries/{index}", tag = "log",
    params(("index" = u64, Path, description = "From 0")),
    responses((status = 200, body = wire::LogEntry), (status = 404, body = wire::ProblemDocument)))]
pub(crate) async fn log_entry(
    State(s): State<AppState>,
    Path(index): Path<String>,
) -> Result<Json<wire::LogEntry>, ApiError> {
    let index = index
        .parse::<u64>()
        .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "not-a-log-index", "a log index is a whole number from 0"))?;
    let size = s.registry.log_size().await?;
    if index >= size {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "not-found", format!("the log has {size} entries")));
    }
    Ok(Json(entry(s.registry.log_entry(index).await?)))
}

/// The inclusion proof of entry `index` in the tree of `size` entries
/// (default: the current size).
#[utoipa::path(get, path = "/api/v1/log/proof/inclusion", tag = "log",
    params(("index" = u64, Query), ("size" = Option<u64>, Query)),
    responses((status = 200, body = wire::InclusionProof), (status = 400, body = wire::ProblemDocument)))]
pub(crate) async fn inclusion_proof(
    State(s): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<wire::InclusionProof>, ApiError> {
    let current = s.registry.log_size().await?;
    let index = number(&params, "index", None)?;
    let size = number(&params, "size", Some(current))?;
    let proof = s.registry.log()?.inclusion_proof(index, size).map_err(proof_error)?;
    Ok(Json(wire::InclusionProof { index, size, hashes: hashes(&proof) }))
}

/// The consistency proof from the tree of `old` entries to that of `new`
/// (default: the current size).
#[utoipa::path(get, path = "/api/v1/log/proof/consistency", tag = "log",
    params(("old" = u64, Query), ("new" = Option<u64>, Query)),
    responses((status = 200, body = wire::ConsistencyProof), (status = 400, body = wire::ProblemDocument)))]
pub(crate) async fn consistency_proof(
    State(s): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<wire::ConsistencyProof>, ApiError> {
    let current = s.registry.log_size().await?;
    let old = number(&params, "old", None)?;
    let new = number(&params, "new", Some(current))?;
    let proof = s.registry.log()?.consistency_proof(old, new).map_err(proof_error)?;
    Ok(Json(wire::ConsistencyProof { old, new, hashes: hashes(&proof) }))
}

/// The keys that sign for the log, the current one and the retired ones.
#[utoipa::path(get, path = "/api/v1/log/keys", tag = "log",
    responses((status = 200, body = wire::LogKeys)))]
pub(crate) async fn log_keys(State(s): State<AppState>) -> Result<Json<wire::LogKeys>, ApiError> {
    let log = s.registry.log()?;
    let note = s.registry.log_keys_note().await?;
    let keys = s
        .registry
        .store()
        .log_keys()
        .await
        .map_err(starmark_registry::RegistryError::from)?
        .into_iter()
        .map(|k| wire::LogKeyInfo {
            key_id: k.verifier_key.split('+').nth(1).unwrap_or_default().to_string(),
            verifier_key: k.verifier_key,
            first_used: k.first_used.to_string(),
        })
        .collect();
    Ok(Json(wire::LogKeys { origin: log.origin().to_string(), current: log.signer().verifier_key(), keys, note }))
}

/// What proves a label: its latest signed statement, the inclusion proof
/// and the checkpoint (the offline bundle of `starmark verify --bundle`).
#[utoipa::path(get, path = "/api/v1/labels/{label_id}/bundle", tag = "labels",
    params(("label_id" = String, Path)),
    responses((status = 200, body = wire::LabelBundle), (status = 404, body = wire::ProblemDocument)))]
pub(crate) async fn label_bundle(State(s): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let label = crate::api::parse_label_id(&id)?;
    let b = bundle(&s, label).await?;
    let mut res = Json(b).into_response();
    let name = format!("attachment; filename=\"{label}.starmark-bundle.json\"");
    if let Ok(v) = HeaderValue::from_str(&name) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

pub(crate) async fn bundle(
    s: &AppState,
    label: starmark_registry::label_id::LabelId,
) -> Result<wire::LabelBundle, ApiError> {
    let p = s.registry.label_proof(label).await?;
    Ok(wire::LabelBundle {
        format: "starmark-label-bundle/1".into(),
        label: label.to_string(),
        origin: s.registry.log()?.origin().to_string(),
        inclusion: wire::InclusionProof { index: p.entry.index, size: p.size, hashes: hashes(&p.inclusion) },
        entry: entry(p.entry),
        checkpoint: p.checkpoint,
        history: p.history,
        keys: s.registry.log_keys_note().await?,
        status_list: Some(s.registry.status_list_credential(&status_list_url(s)).await?),
    })
}

/// Where the status list is served (its credential's `id`).
pub(crate) fn status_list_url(s: &AppState) -> String {
    format!("{}/status/list.json", s.public_base_url.trim_end_matches('/'))
}

/// `/status/list.json`: the signed status list of every label (W3C
/// Bitstring Status List, purpose revocation). Fetching it tells the
/// registry nothing about which label a checker looks at.
pub(crate) async fn status_list(State(s): State<AppState>) -> Result<Response, ApiError> {
    let credential = s.registry.status_list_credential(&status_list_url(&s)).await?;
    let body = serde_json::to_vec(&credential)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "encoding", e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/vc")),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=60")),
        ],
        body,
    )
        .into_response())
}

fn text(body: String, cache: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        body,
    )
        .into_response()
}

/// `/log/checkpoint`: the latest signed checkpoint.
pub(crate) async fn checkpoint(State(s): State<AppState>) -> Result<Response, ApiError> {
    let size = s.registry.log_size().await?;
    let note = s.registry.log()?.checkpoint(size).map_err(starmark_registry::RegistryError::from)?;
    Ok(text(note, CHECKPOINT))
}

/// `/.well-known/starmark-log-keys`: the key history, signed.
pub(crate) async fn keys_note(State(s): State<AppState>) -> Result<Response, ApiError> {
    Ok(text(s.registry.log_keys_note().await?, CHECKPOINT))
}

/// A tile path after `tile/`: `(level or None for entries, index, width)`.
fn parse_tile(path: &str) -> Option<(Option<u8>, u64, u64)> {
    let mut segs: Vec<&str> = path.split('/').collect();
    let first = segs.first().copied()?;
    let level = if first == "entries" {
        None
    } else {
        // Digits only (no sign), no leading zeros, at most 63 (the spec's bound).
        if !first.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let l: u8 = first.parse().ok().filter(|l| *l <= 63 && (first == "0" || !first.starts_with('0')))?;
        Some(l)
    };
    segs.remove(0);
    let mut width = TILE_WIDTH;
    if segs.len() >= 2 && segs.get(segs.len() - 2).is_some_and(|s| s.ends_with(".p")) {
        let w = segs.pop()?;
        if w.starts_with('0') || !w.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        width = w.parse().ok().filter(|w| (1..TILE_WIDTH).contains(w))?;
        let last = segs.pop()?;
        segs.push(last.strip_suffix(".p")?);
    }
    let (last, groups) = segs.split_last()?;
    let mut n: u64 = 0;
    for (i, g) in groups.iter().enumerate() {
        let digits = g.strip_prefix('x')?;
        // The first group is never x000: the path is canonical.
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) || (i == 0 && digits == "000") {
            return None;
        }
        n = n.checked_mul(1000)?.checked_add(digits.parse().ok()?)?;
    }
    if last.len() != 3 || !last.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    n = n.checked_mul(1000)?.checked_add(last.parse().ok()?)?;
    Some((level, n, width))
}

/// `/log/tile/...`: a hash tile or an entry bundle (C2SP `tlog-tiles`).
pub(crate) async fn tile(State(s): State<AppState>, Path(path): Path<String>) -> Result<Response, ApiError> {
    let not_found = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "no-such-tile",
            "no such tile: tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>] within the log's current size",
        )
    };
    let (level, index, width) = parse_tile(&path).ok_or_else(not_found)?;
    let size = s.registry.log_size().await?;
    // Beyond the log: not found, before any arithmetic or storage read.
    if index.checked_mul(TILE_WIDTH).is_none_or(|start| start >= size) {
        return Err(not_found());
    }
    let body = match level {
        Some(l) => s.registry.log()?.tile(l, index, width).ok_or_else(not_found)?,
        None => {
            let start = index.checked_mul(TILE_WIDTH).ok_or_else(not_found)?;
            let limit = u32::try_from(width).map_err(|_| not_found())?;
            let entries =
                s.registry.store().log_entries(start, limit).await.map_err(starmark_registry::RegistryError::from)?;
            if entries.len() as u64 != width {
                return Err(not_found());
            }
            let mut body = Vec::new();
            for e in entries {
                let len = u16::try_from(e.leaf.len()).map_err(|_| {
                    ApiError::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "entry-too-large",
                        "a log entry exceeds 65,535 bytes",
                    )
                })?;
                body.extend_from_slice(&len.to_be_bytes());
                body.extend_from_slice(e.leaf.as_bytes());
            }
            body
        }
    };
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream")),
            (header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE)),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_paths_follow_the_spec() {
        assert_eq!(parse_tile("0/000"), Some((Some(0), 0, 256)));
        assert_eq!(parse_tile("0/x001/x234/067"), Some((Some(0), 1_234_067, 256)));
        assert_eq!(parse_tile("1/000.p/7"), Some((Some(1), 0, 7)));
        assert_eq!(parse_tile("entries/x001/234.p/255"), Some((None, 1234, 255)));
        for bad in [
            "",
            "0",
            "0/0",
            "0/0000",
            "00/000",
            "64/000",
            "0/x000/001",
            "0/000.p/0",
            "0/000.p/256",
            "0/000.p/07",
            "0/001/002",
            "+1/000",
            "0/000.p/+7",
            "0/+00",
            "0/x+01/000",
            "0/x1/002",
            "entries",
            "x/000",
            "0/000.p",
            "0/-01",
        ] {
            assert_eq!(parse_tile(bad), None, "{bad}");
        }
    }
}
