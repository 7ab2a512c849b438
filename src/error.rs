//! [`AppError`]: the only error type that crosses from the server to the browser.
//!
//! Every server function returns `Result<T, AppError>`. Feature errors (`InvitationError`, ...)
//! are logged with their cause chain on the server and converted once into an `AppError`, whose
//! messages are written for the person using the page. Database error text never gets here.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

/// A problem with one form field: `field` is the form field's `name`, `message` a sentence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// A safe, user-facing error. `Display` is the sentence to show.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// 401: no valid session.
    #[error("Please sign in to continue.")]
    Unauthenticated,
    /// 401: the email address or password is wrong (one answer for both).
    #[error("The email address or password is incorrect.")]
    InvalidCredentials,
    /// 401: a key signature did not verify (wrong key, or a challenge signed for something else).
    #[error("Your key could not be verified. Reload the page and try again.")]
    KeyNotVerified,
    /// 403: signed in, but this is not yours to see or change.
    #[error("You do not have permission to do that.")]
    Forbidden,
    /// 404.
    #[error("{0}")]
    NotFound(String),
    /// 422: input that did not parse; one entry per field, nothing was changed.
    #[error("Please correct the highlighted fields.")]
    Validation(Vec<FieldError>),
    /// 409: the request conflicts with current state (duplicate, already used, ...).
    #[error("{0}")]
    Conflict(String),
    /// 410: something that existed and is gone for good (expired, revoked).
    #[error("{0}")]
    Gone(String),
    /// 429: too many attempts; `retry_after_secs` is whole seconds.
    #[error("{message}")]
    RateLimited {
        retry_after_secs: u64,
        message: String,
    },
    /// 503: the server is saturated (password hashing queue); retrying shortly works.
    #[error("The server is busy right now. Please try again in a few seconds.")]
    Busy,
    /// 500: something failed on our side; details are only in the server log.
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// 400: the request itself was malformed (missing or undecodable arguments).
    #[error("The request could not be understood.")]
    BadRequest,
    /// Client side only: the request never got an answer.
    #[error("Could not reach the server. Check your connection and try again.")]
    Network,
}

impl AppError {
    /// One field error.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// The message for `field`, if this is a validation error naming it.
    pub fn field_message(&self, field: &str) -> Option<String> {
        match self {
            Self::Validation(errors) => errors
                .iter()
                .find(|e| e.field == field)
                .map(|e| e.message.clone()),
            _ => None,
        }
    }

    /// The HTTP status this error is answered with.
    pub fn status_code(&self) -> u16 {
        match self {
            Self::Unauthenticated | Self::InvalidCredentials | Self::KeyNotVerified => 401,
            Self::Forbidden => 403,
            Self::NotFound(_) => 404,
            Self::Validation(_) => 422,
            Self::Conflict(_) => 409,
            Self::Gone(_) => 410,
            Self::RateLimited { .. } => 429,
            Self::Busy => 503,
            Self::Internal => 500,
            Self::BadRequest => 400,
            Self::Network => 502,
        }
    }
}

/// Whether `e` says the database is out of reach for now rather than that the query was
/// wrong: no pooled connection free within the acquire timeout, a connection refused or
/// broken, or a server shutting down or starting up (SQLSTATE classes 08, connection
/// exception, and 57, operator intervention). Such requests get 503 and can be retried.
#[cfg(feature = "ssr")]
pub fn database_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|c| c.starts_with("08") || c.starts_with("57")),
        _ => false,
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// For `map_err`: logs the underlying error with `context` (server log only) and answers
    /// [`AppError::Internal`], so no internal detail reaches the browser. A database that is
    /// out of reach for now ([`database_unavailable`]) answers [`AppError::Busy`] instead (503
    /// with `Retry-After`): the request can succeed moments later.
    pub fn internal<E: std::fmt::Debug + 'static>(
        context: &'static str,
    ) -> impl Fn(E) -> AppError + Copy {
        move |e| {
            let any: &dyn std::any::Any = &e;
            if let Some(db) = any.downcast_ref::<sqlx::Error>() {
                if database_unavailable(db) {
                    tracing::warn!(error = %db, "{context}: the database is unavailable");
                    return AppError::Busy;
                }
            }
            tracing::error!(error = ?e, "{context}");
            AppError::Internal
        }
    }

    /// Whole seconds a client should wait before retrying, for 429 and 503 answers.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Self::RateLimited {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            Self::Busy => Some(BUSY_RETRY_AFTER_SECS),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => Self::BadRequest,
            ServerFnErrorErr::Request(_) => Self::Network,
            _ => Self::Internal,
        }
    }

    /// Encodes the error for the browser. On the server this also sets the HTTP status of the
    /// server function's response (and `Retry-After` for rate limits), so that clients other
    /// than our own pages see a meaningful status instead of a blanket 500.
    ///
    /// A browser's own form post (no script) is the exception: Leptos answers it with a
    /// `302 Found` back to the form's page, carrying this error in the URL, and a status set
    /// here would replace that redirect with a raw error body.
    fn ser(&self) -> leptos::server_fn::Bytes {
        #[cfg(feature = "ssr")]
        if let Some(opts) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
            .filter(|_| !is_plain_form_post())
        {
            use axum::http::{header::RETRY_AFTER, HeaderValue, StatusCode};
            opts.set_status(
                StatusCode::from_u16(self.status_code())
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            );
            if let Some(secs) = self.retry_after_secs() {
                opts.insert_header(RETRY_AFTER, HeaderValue::from(secs));
            }
        }
        serde_json::to_vec(self)
            .map(Into::into)
            .unwrap_or_else(|_| br#""Internal""#.to_vec().into())
    }
}

/// `Retry-After` of a [`AppError::Busy`] answer, in seconds.
pub const BUSY_RETRY_AFTER_SECS: u64 = 2;

/// Whether the request being handled is a browser's own form submission, sent without the
/// page's script: its `Accept` header names `text/html`, which `fetch` calls from the page do
/// not. Leptos answers such a post to a server function with a redirect (to the function's
/// own `leptos_axum::redirect` target, or back to the `Referer` with any error in the query),
/// so that forms work before hydration and with scripts disabled.
#[cfg(feature = "ssr")]
pub fn is_plain_form_post() -> bool {
    leptos::prelude::use_context::<axum::http::request::Parts>().is_some_and(|parts| {
        parts.method == axum::http::Method::POST
            && parts
                .headers
                .get(axum::http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("text/html"))
    })
}

/// Collects field errors while parsing a form, so that every bad field is reported at once.
#[derive(Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    /// Keeps the value of `result`, or records its error under `field`.
    pub fn check<T, E: ToString>(&mut self, field: &str, result: Result<T, E>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(FieldError {
                    field: field.into(),
                    message: e.to_string(),
                });
                None
            }
        }
    }

    /// Records an error under `field`.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// `Ok(())` when nothing was recorded, otherwise `AppError::Validation`.
    pub fn finish(self) -> Result<(), AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_collect_every_problem() {
        let mut errs = FieldErrors::default();
        assert_eq!(errs.check("a", Ok::<_, String>(1)), Some(1));
        errs.check::<(), _>("email", Err("bad email"));
        errs.add("role", "pick one");
        let e = errs.finish().unwrap_err();
        assert_eq!(e.field_message("email").as_deref(), Some("bad email"));
        assert_eq!(e.field_message("role").as_deref(), Some("pick one"));
        assert_eq!(e.status_code(), 422);
    }

    #[test]
    fn internal_errors_say_nothing_about_internals() {
        let e = AppError::from_server_fn_error(ServerFnErrorErr::ServerError(
            "relation users does not exist".into(),
        ));
        assert_eq!(e, AppError::Internal);
        assert!(!e.to_string().contains("relation"));
    }
}
