//! Errors as RFC 9457 problem documents. Nothing reaches the client as a
//! bare 500: every failure has a type, a status and a detail.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use starmark_api::{FieldProblem, ProblemDocument};
use starmark_registry::{ErrorKind, RegistryError};

/// An error response.
#[derive(Debug)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) code: &'static str,
    pub(crate) detail: String,
    pub(crate) problems: Vec<FieldProblem>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError { status, code, detail: detail.into(), problems: Vec::new() }
    }

    pub(crate) fn field(
        status: StatusCode,
        code: &'static str,
        pointer: &str,
        detail: impl Into<String>,
        help: &str,
    ) -> ApiError {
        let detail = detail.into();
        ApiError {
            status,
            code,
            problems: vec![FieldProblem {
                pointer: pointer.to_string(),
                severity: "error".into(),
                code: code.to_string(),
                message: detail.clone(),
                help: help.to_string(),
            }],
            detail,
        }
    }

    pub(crate) fn document(&self) -> ProblemDocument {
        ProblemDocument {
            kind: format!("urn:starmark:problem:{}", self.code),
            title: self.status.canonical_reason().unwrap_or("Error").to_string(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            problems: self.problems.clone(),
        }
    }
}

impl From<RegistryError> for ApiError {
    fn from(e: RegistryError) -> ApiError {
        let (status, code) = match e.kind {
            ErrorKind::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            ErrorKind::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
            ErrorKind::NotFound => (StatusCode::NOT_FOUND, "not-found"),
            ErrorKind::Conflict => (StatusCode::CONFLICT, "conflict"),
            ErrorKind::Invalid => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            _ => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
        };
        if status == StatusCode::SERVICE_UNAVAILABLE {
            tracing::error!(error = %e, "storage failure");
        }
        ApiError {
            status,
            code,
            detail: e.message,
            problems: e
                .problems
                .into_iter()
                .map(|p| FieldProblem {
                    pointer: p.pointer,
                    severity: p.severity,
                    code: p.code,
                    message: p.message,
                    help: p.help,
                })
                .collect(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status;
        let mut r = (status, Json(self.document())).into_response();
        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        r
    }
}

pub(crate) async fn not_found_fallback() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "no-such-route", "there is no such resource; /api/openapi.json lists the API")
}
