//! The email templates' server functions. Each checks the session and the role itself
//! ([`super::service::may_edit`]) and works on the signed-in person's own organisation.

#[cfg(feature = "ssr")]
use crate::domain::EmailTemplateKind;
use crate::error::AppError;
use leptos::prelude::*;

pub use super::dto::*;

/// `kind` from the wire, or 422 on `kind`.
#[cfg(feature = "ssr")]
fn kind_of(kind: &str) -> Result<EmailTemplateKind, AppError> {
    EmailTemplateKind::parse(kind).ok_or_else(|| AppError::field("kind", "Choose an email."))
}

#[cfg(feature = "ssr")]
fn source(
    subject: String,
    body_text: String,
    body_html: String,
) -> crate::email::templates::TemplateSource {
    crate::email::templates::TemplateSource {
        subject,
        text: body_text,
        html: body_html,
    }
}

/// The editor of one email (`invitation`, `invitation_reminder`, `credential_invitation`).
///
/// # Errors
/// 401 without a session; 403 for roles that do not manage invitations; 422 on `kind`.
#[server(prefix = "/rpc", endpoint = "email-templates/load")]
pub async fn load_email_template(kind: String) -> Result<TemplateEditor, AppError> {
    let (state, user, _ctx) = crate::auth::session::signed_in_as(super::service::may_edit).await?;
    super::service::editor(&state, &user, kind_of(&kind)?).await
}

/// A draft rendered with sample data; nothing is saved.
///
/// # Errors
/// As [`load_email_template`]; 422 per field (`subject`, `body_text`, `body_html`) with the
/// line of a syntax error or unknown placeholder.
#[server(prefix = "/rpc", endpoint = "email-templates/preview")]
pub async fn preview_email_template(
    kind: String,
    subject: String,
    body_text: String,
    body_html: String,
) -> Result<TemplatePreview, AppError> {
    let (state, user, _ctx) = crate::auth::session::signed_in_as(super::service::may_edit).await?;
    super::service::preview(
        &state,
        &user,
        kind_of(&kind)?,
        &source(subject, body_text, body_html),
    )
}

/// Saves a draft as the next version, in use from now on; a draft with problems saves
/// nothing.
///
/// # Errors
/// As [`preview_email_template`].
#[server(prefix = "/rpc", endpoint = "email-templates/save")]
pub async fn save_email_template(
    kind: String,
    subject: String,
    body_text: String,
    body_html: String,
) -> Result<TemplateEditor, AppError> {
    let (state, user, ctx) = crate::auth::session::signed_in_as(super::service::may_edit).await?;
    super::service::save(
        &state,
        &user,
        &ctx,
        kind_of(&kind)?,
        &source(subject, body_text, body_html),
    )
    .await
}

/// Puts the built-in template back in use (a new version).
///
/// # Errors
/// As [`load_email_template`].
#[server(prefix = "/rpc", endpoint = "email-templates/reset")]
pub async fn reset_email_template(kind: String) -> Result<TemplateEditor, AppError> {
    let (state, user, ctx) = crate::auth::session::signed_in_as(super::service::may_edit).await?;
    super::service::reset(&state, &user, &ctx, kind_of(&kind)?).await
}

/// Sends a draft, rendered with sample data, to the signed-in person's own address. Returns
/// the address.
///
/// # Errors
/// As [`preview_email_template`]; 429 after 5 tests a minute.
#[server(prefix = "/rpc", endpoint = "email-templates/send-test")]
pub async fn send_test_email_template(
    kind: String,
    subject: String,
    body_text: String,
    body_html: String,
) -> Result<String, AppError> {
    let (state, user, _ctx) = crate::auth::session::signed_in_as(super::service::may_edit).await?;
    super::service::send_test(
        &state,
        &user,
        kind_of(&kind)?,
        &source(subject, body_text, body_html),
    )
    .await
}

/// Sets the organisation's sender display name and reply-to address (empty clears either).
///
/// # Errors
/// 401/403 as [`load_email_template`]; 422 on `sender_name` or `reply_to`.
#[server(prefix = "/rpc", endpoint = "email-templates/sender")]
pub async fn save_email_sender(
    sender_name: String,
    reply_to: String,
) -> Result<SenderSettings, AppError> {
    let (state, user, ctx) = crate::auth::session::signed_in_as(super::service::may_edit).await?;
    super::service::save_sender(&state, &user, &ctx, &sender_name, &reply_to).await
}

/// The HTML preview's own document, loaded into the page's sandboxed `<iframe>`: `GET
/// /email-templates/preview-frame?kind=…` shows the version in use, `POST` (form fields `kind`,
/// `subject`, `body_text`, `body_html`, from the editor's "Preview" button or its live
/// preview) shows a draft. The email's inline styles need a policy of their own, so the
/// response carries `Content-Security-Policy: sandbox` with no scripts, no connections and
/// styles inline only, may be framed by this origin only, and is never cached.
#[cfg(feature = "ssr")]
pub mod frame {
    use crate::{auth::session::optional_user, error::AppError, state::AppState};
    use axum::{
        extract::{Query, State},
        http::{header, HeaderValue},
        response::{IntoResponse, Response},
        Form,
    };
    use serde::Deserialize;
    use tower_sessions::Session;

    /// The policy of the preview document.
    const POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; \
                          frame-ancestors 'self'; base-uri 'none'; form-action 'none'; sandbox";

    /// `?kind=`.
    #[derive(Deserialize)]
    pub struct KindQuery {
        #[serde(default)]
        pub kind: String,
    }

    /// A draft from the editor form.
    #[derive(Deserialize)]
    pub struct DraftForm {
        #[serde(default)]
        pub kind: String,
        #[serde(default)]
        pub subject: String,
        #[serde(default)]
        pub body_text: String,
        #[serde(default)]
        pub body_html: String,
    }

    fn escape(s: &str) -> String {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    }

    /// The preview document, or a short page naming what is wrong.
    fn document(result: Result<String, AppError>) -> Response {
        let (status, body) = match result {
            Ok(html) => (axum::http::StatusCode::OK, html),
            Err(e) => {
                let items: String = match &e {
                    AppError::Validation(fields) => fields
                        .iter()
                        .map(|f| format!("<li>{}</li>", escape(&f.message)))
                        .collect(),
                    other => format!("<li>{}</li>", escape(&other.to_string())),
                };
                (
                    axum::http::StatusCode::from_u16(e.status_code())
                        .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR),
                    format!(
                        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
                         <title>Preview unavailable</title></head><body \
                         style=\"font-family:system-ui,sans-serif;padding:16px\"><p>The preview \
                         cannot be shown until these are fixed:</p><ul>{items}</ul></body></html>"
                    ),
                )
            }
        };
        let mut res = (status, body).into_response();
        let h = res.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(POLICY),
        );
        h.insert(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("SAMEORIGIN"),
        );
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        res
    }

    async fn editor_of(
        state: &AppState,
        session: &Session,
    ) -> Result<crate::auth::session::CurrentUser, AppError> {
        let user = optional_user(state, session)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        if super::super::service::may_edit(&user) {
            Ok(user)
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// `GET`: the version in use.
    pub async fn current(
        State(state): State<AppState>,
        session: Session,
        Query(q): Query<KindQuery>,
    ) -> Response {
        let result = async {
            let user = editor_of(&state, &session).await?;
            let kind = super::kind_of(&q.kind)?;
            super::super::service::editor(&state, &user, kind)
                .await
                .map(|e| e.preview.body_html)
        }
        .await;
        document(result)
    }

    /// `POST`: a draft.
    pub async fn draft(
        State(state): State<AppState>,
        session: Session,
        Form(f): Form<DraftForm>,
    ) -> Response {
        let result = async {
            let user = editor_of(&state, &session).await?;
            let kind = super::kind_of(&f.kind)?;
            super::super::service::preview(
                &state,
                &user,
                kind,
                &super::source(f.subject, f.body_text, f.body_html),
            )
            .map(|p| p.body_html)
        }
        .await;
        document(result)
    }
}
