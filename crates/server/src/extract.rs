//! Request extractors: the bearer token, request bodies with their content
//! type checked, and idempotency keys.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use starmark_checklist::Encoding;
use starmark_registry::Principal;
use starmark_registry::store::Idempotency;

use crate::AppState;
use crate::problem::ApiError;

/// The authenticated caller (`Authorization: Bearer <token>`).
#[derive(Debug, Clone)]
pub(crate) struct Auth(pub(crate) Principal);

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Auth, ApiError> {
        let unauth = |d: &str| ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", d);
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| unauth("this needs an API token: send `Authorization: Bearer <token>`"))?;
        let value = value.to_str().map_err(|_| unauth("the Authorization header is not readable text"))?;
        let token = value
            .strip_prefix("Bearer ")
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 200)
            .ok_or_else(|| unauth("the Authorization header must be `Bearer <token>`"))?;
        Ok(Auth(state.registry.authenticate(token).await?))
    }
}

fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

async fn body_bytes(req: Request, state: &AppState) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|r| {
        let status = r.status();
        let code = if status == StatusCode::PAYLOAD_TOO_LARGE { "too-large" } else { "unreadable-body" };
        ApiError::new(status, code, format!("{} (the limit is {} bytes)", r.body_text(), crate::MAX_BODY_BYTES))
    })
}

/// A checklist upload: TOML (`application/toml`) or JSON (`application/json`).
#[derive(Debug)]
pub(crate) struct ChecklistBody {
    pub(crate) bytes: Bytes,
    pub(crate) encoding: Encoding,
}

impl FromRequest<AppState> for ChecklistBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<ChecklistBody, ApiError> {
        let encoding = match content_type(req.headers()).as_str() {
            "application/toml" => Encoding::Toml,
            "application/json" => Encoding::Json,
            other => {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported-media-type",
                    format!("a checklist is sent as application/toml or application/json, not `{other}`"),
                ));
            }
        };
        Ok(ChecklistBody { bytes: body_bytes(req, state).await?, encoding })
    }
}

/// A JSON body, with a JSON pointer to whatever is wrong in it.
#[derive(Debug)]
pub(crate) struct JsonBody<T> {
    pub(crate) value: T,
    pub(crate) bytes: Bytes,
}

impl<T: DeserializeOwned> FromRequest<AppState> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<JsonBody<T>, ApiError> {
        let ct = content_type(req.headers());
        if ct != "application/json" {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                format!("send application/json, not `{ct}`"),
            ));
        }
        let bytes = body_bytes(req, state).await?;
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let pointer = starmark_criteria::locate::Path::from_serde(e.path()).pointer();
            let inner = e.into_inner();
            let (status, code) = match inner.classify() {
                serde_json::error::Category::Data => (StatusCode::UNPROCESSABLE_ENTITY, "invalid-field"),
                _ => (StatusCode::BAD_REQUEST, "malformed-json"),
            };
            ApiError::field(
                status,
                code,
                &pointer,
                inner.to_string(),
                "fix the request body; /api/openapi.json describes it",
            )
        })?;
        de.end().map_err(|_| {
            ApiError::new(StatusCode::BAD_REQUEST, "malformed-json", "trailing characters after the JSON body")
        })?;
        Ok(JsonBody { value, bytes })
    }
}

/// Runs `f` at most once per idempotency key: a retry with the same key
/// and body gets the first answer again. Without a key, `f` just runs.
/// Whether a route demands an idempotency key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Key {
    /// Routes that create something new (an application): without a key a
    /// retry after a lost answer would create it twice.
    Required,
    /// Routes whose repetition the state machine already refuses.
    Optional,
}

pub(crate) async fn idempotent<F, Fut>(
    state: &AppState,
    principal: &Principal,
    route: &str,
    rule: Key,
    headers: &HeaderMap,
    body: &[u8],
    f: F,
) -> Response
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = Result<(StatusCode, serde_json::Value), ApiError>> + Send + 'static,
{
    let key = match headers.get("idempotency-key").map(|v| v.to_str()) {
        None => None,
        Some(Ok(k)) if !k.trim().is_empty() && k.len() <= 200 => Some(k.trim().to_string()),
        Some(_) => {
            return ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad-idempotency-key",
                "Idempotency-Key must be 1 to 200 visible characters",
            )
            .into_response();
        }
    };
    let Some(key) = key else {
        if rule == Key::Required {
            return ApiError::new(
                StatusCode::PRECONDITION_REQUIRED,
                "idempotency-key-required",
                "this request creates an application: send an Idempotency-Key header (any new random value), and the same value when retrying",
            )
            .into_response();
        }
        return match f().await {
            Ok((status, v)) => (status, axum::Json(v)).into_response(),
            Err(e) => e.into_response(),
        };
    };
    let store = state.registry.store();
    let scope = format!("{} {route}", principal.org);
    let hash: String = Sha256::digest(body).iter().map(|b| format!("{b:02x}")).collect();
    match store.idempotency_begin(&scope, &key, &hash).await {
        Err(e) => ApiError::from(starmark_registry::RegistryError::from(e)).into_response(),
        Ok(Idempotency::Mismatch) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency-key-reused",
            "this Idempotency-Key was used for a different request; use a new key for a new request",
        )
        .into_response(),
        Ok(Idempotency::InProgress) => ApiError::new(
            StatusCode::CONFLICT,
            "request-in-progress",
            "a request with this Idempotency-Key is still running; retry shortly",
        )
        .into_response(),
        Ok(Idempotency::Done { status, body }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let mut r = (status, body).into_response();
            let ct = if status.as_u16() >= 400 { "application/problem+json" } else { "application/json" };
            r.headers_mut().insert(header::CONTENT_TYPE, axum::http::HeaderValue::from_static(ct));
            r.headers_mut().insert("idempotent-replayed", axum::http::HeaderValue::from_static("true"));
            r
        }
        Ok(Idempotency::New) => {
            // The request runs to its end, and its answer is recorded, in a
            // task of its own: if the client goes away (and the server drops
            // this future), the work is not cut in half — a retry with the
            // key gets the recorded answer, neither "in progress" for ever
            // nor a second application.
            let store = store.clone();
            let work = tokio::spawn(async move {
                let result = f().await;
                let (status, text) = match &result {
                    Ok((s, v)) => (*s, serde_json::to_string(v).unwrap_or_default()),
                    Err(e) => (e.status, serde_json::to_string(&e.document()).unwrap_or_default()),
                };
                // Server-side failures are not remembered, so that a retry can succeed.
                let remembered = if status.is_server_error() {
                    store.idempotency_abort(&scope, &key).await
                } else {
                    store.idempotency_finish(&scope, &key, status.as_u16(), &text).await
                };
                if let Err(e) = remembered {
                    tracing::error!(error = %e, "cannot record an idempotency key");
                }
                result
            });
            match work.await {
                Ok(Ok((s, v))) => (s, axum::Json(v)).into_response(),
                Ok(Err(e)) => e.into_response(),
                Err(e) => {
                    tracing::error!(error = %e, "a request failed inside the server");
                    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the request failed inside the server")
                        .into_response()
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    /// A client that goes away while its request runs: the request still
    /// ends and its answer is recorded, so the retry replays it — the work
    /// ran once, and the key is not left "in progress".
    #[tokio::test]
    async fn a_request_whose_client_went_away_is_finished_and_replayed() {
        let dir = tempfile::tempdir().unwrap();
        let store = starmark_registry_sqlite::SqliteStore::open(&dir.path().join("t.db")).await.unwrap();
        let registry = starmark_registry::Registry::new(
            Arc::new(store),
            Arc::new(starmark_criteria::CatalogSet::embedded().unwrap()),
            Arc::new(starmark_registry::clock::SystemClock),
        );
        let org = registry.add_org(starmark_registry::auth::OrgKind::Vendor, "Example", None).await.unwrap();
        let secret = registry.issue_token(&org.id, starmark_registry::auth::Role::Vendor, "t").await.unwrap();
        let principal = registry.authenticate(secret.expose()).await.unwrap();
        let state = AppState::new(Arc::new(registry), "http://localhost".into());
        let mut headers = HeaderMap::new();
        headers.insert("idempotency-key", "k-1".parse().unwrap());
        let runs = Arc::new(AtomicUsize::new(0));
        let request = |runs: Arc<AtomicUsize>| {
            move || async move {
                runs.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(300)).await;
                Ok((StatusCode::CREATED, serde_json::json!({ "id": "app_1" })))
            }
        };
        // The client gives up after 20 ms: the server drops its future.
        let first = idempotent(&state, &principal, "POST /x", Key::Required, &headers, b"body", request(runs.clone()));
        assert!(tokio::time::timeout(Duration::from_millis(20), first).await.is_err());
        // A retry while it still runs is told so; once it ended, it replays.
        let mut again;
        let mut tries = 0;
        loop {
            again = idempotent(&state, &principal, "POST /x", Key::Required, &headers, b"body", request(runs.clone()))
                .await;
            tries += 1;
            if again.status() != StatusCode::CONFLICT || tries == 100 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(again.status(), StatusCode::CREATED);
        assert_eq!(again.headers().get("idempotent-replayed").unwrap(), "true");
        assert_eq!(runs.load(Ordering::SeqCst), 1, "the work ran once");
    }
}
