//! Answers of the session-authenticated file exports (CSV, JSON lines): the file as an
//! attachment that no cache keeps, or the refusal as plain text with its status.

use crate::error::AppError;
use axum::{
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};

/// `body` as a download named `filename`, `Cache-Control: no-store` (exports hold personal
/// data and audit details).
pub fn attachment(content_type: &str, filename: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

/// A refused export: `e`'s status and its sentence, never a database error.
pub fn refused(e: AppError) -> Response {
    (
        StatusCode::from_u16(e.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        e.to_string(),
    )
        .into_response()
}
