//! The rules of email templates: who edits them (the people who manage invitations, for their
//! own organisation only), what a template must be ([`templates::compile`]: it parses, uses
//! only the email's placeholders, shows the link, and renders within the sandbox's limits),
//! versions and their audit events, test sends, and the branding every sender loads.

use super::{
    dto::{SenderSettings, TemplateEditor, TemplatePreview, TemplateVersionDto},
    repo::{self, NewVersion, VersionRow},
};
use crate::{
    audit::{self, Actor, Event, OrganisationAction, Subject},
    auth::session::CurrentUser,
    domain::{EmailAddress, EmailTemplateKind},
    email::{
        outbox,
        templates::{
            self, Branding, CredentialInvitationEmail, InvitationEmail, OrgTemplate, SampleData,
            TemplateProblem, TemplateSource,
        },
    },
    error::{AppError, FieldError},
    rate_limit,
    security::RequestContext,
    state::AppState,
};
use serde_json::json;
use sqlx::PgExecutor;
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

/// Versions the editor lists.
const HISTORY: i64 = 20;
/// Test emails one person may send a minute.
pub const TESTS_PER_MINUTE: i64 = 5;
/// Most characters of the sender display name.
pub const MAX_SENDER_NAME_CHARS: usize = 64;

/// Who edits the templates: the people who manage their organisation's invitations.
pub fn may_edit(user: &CurrentUser) -> bool {
    user.role.can_manage_invitations(user.org_kind)
}

/// How `org` sends emails of `kind`: its newest template version (the built-in one when it
/// has none, its newest is a reset, or the stored one no longer parses, which is logged), the
/// version number each email records (that of the reset, or 0 for "never saved" and for a
/// fallback), and its sender settings. One query.
///
/// # Errors
/// Database errors.
pub async fn branding<'c>(
    db: impl PgExecutor<'c>,
    org: Uuid,
    kind: EmailTemplateKind,
) -> Result<Branding, sqlx::Error> {
    let Some(row) = repo::sending(db, org, kind.as_str()).await? else {
        return Ok(Branding::default());
    };
    let version = row.version.unwrap_or(0);
    let stored = row.subject.is_some();
    let template = match (row.subject, row.body_text, row.body_html) {
        (Some(subject), Some(text), Some(html)) => {
            let source = TemplateSource {
                subject,
                text,
                html,
            };
            match OrgTemplate::load(kind, version, &source) {
                Ok(t) => Some(t),
                Err(p) => {
                    tracing::warn!(organisation_id = %org, kind = kind.as_str(), version,
                                   problem = %p.message,
                                   "stored email template does not parse; the built-in one is used");
                    None
                }
            }
        }
        _ => None,
    };
    Ok(Branding {
        // A reset version records its number; a stored one that failed to parse records 0.
        version: if stored && template.is_none() {
            0
        } else {
            version
        },
        template,
        sender_name: row.sender_name,
        reply_to: row.reply_to,
    })
}

/// The sample values a preview and a test email show: the admin's own organisation and name,
/// an invitee called Ada Lovelace, and a link that leads nowhere.
struct Sample {
    organisation: String,
    inviter: String,
    role: &'static str,
    link: String,
    expires: String,
}

impl Sample {
    fn new(state: &AppState, user: &CurrentUser, kind: EmailTemplateKind) -> Self {
        let expires = OffsetDateTime::now_utc() + state.config.invitation_ttl;
        let path = match kind {
            EmailTemplateKind::CredentialInvitation => {
                "/integrations/credential-invite/sample-link-for-preview".to_owned()
            }
            _ => format!(
                "/register?token=sample-link-for-preview&org={}",
                user.org_id
            ),
        };
        Self {
            organisation: user.org_name.clone(),
            inviter: user.display_name(),
            role: crate::domain::Role::Member.label(user.org_kind),
            link: state.config.link(&path),
            expires: crate::domain::format_utc(expires.unix_timestamp()),
        }
    }

    fn data(&self, kind: EmailTemplateKind) -> SampleData<'_> {
        match kind {
            EmailTemplateKind::CredentialInvitation => {
                SampleData::CredentialInvitation(CredentialInvitationEmail {
                    partner: "Example Partner Ltd",
                    organisation: &self.organisation,
                    provider: "Example Payments",
                    environment: "Sandbox",
                    link: &self.link,
                    expires: &self.expires,
                })
            }
            _ => SampleData::Invitation(InvitationEmail {
                invitee_first_name: "Ada",
                invitee_last_name: "Lovelace",
                organisation: &self.organisation,
                role: self.role,
                inviter: Some(&self.inviter),
                link: &self.link,
                expires: &self.expires,
            }),
        }
    }
}

/// The problems of a template as per-field errors (several on one field joined).
fn refused(problems: Vec<TemplateProblem>) -> AppError {
    let mut fields: Vec<FieldError> = Vec::new();
    for p in problems {
        match fields.iter_mut().find(|f| f.field == p.field) {
            Some(f) => {
                f.message.push(' ');
                f.message.push_str(&p.message);
            }
            None => fields.push(FieldError {
                field: p.field.into(),
                message: p.message,
            }),
        }
    }
    AppError::Validation(fields)
}

fn preview_of(email: &templates::RenderedEmail) -> TemplatePreview {
    TemplatePreview {
        subject: email.subject.clone(),
        body_text: email.text.clone(),
        body_html: email.html.clone(),
    }
}

const DB: &str = "email templates: database failure";

/// The editor of `kind` for the admin's organisation: the source in use, its preview, the
/// history and the sender settings.
///
/// # Errors
/// 500 on database failure.
pub async fn editor(
    state: &AppState,
    user: &CurrentUser,
    kind: EmailTemplateKind,
) -> Result<TemplateEditor, AppError> {
    let db = AppError::internal::<sqlx::Error>(DB);
    let rows = repo::versions(&state.pool, user.org_id, kind.as_str(), HISTORY)
        .await
        .map_err(db)?;
    let (sender_name, reply_to) = repo::sender(&state.pool, user.org_id).await.map_err(db)?;
    let current = rows.first();
    let saved = current.and_then(|r| match (&r.subject, &r.body_text, &r.body_html) {
        (Some(s), Some(t), Some(h)) => Some(TemplateSource {
            subject: s.clone(),
            text: t.clone(),
            html: h.clone(),
        }),
        _ => None,
    });
    let is_default = saved.is_none();
    let source = saved.unwrap_or_else(|| templates::default_source(kind));
    let sample = Sample::new(state, user, kind);
    let preview = if is_default {
        templates::render_default(kind, &sample.data(kind))
            .map(|e| preview_of(&e))
            .map_err(AppError::internal("the built-in template did not render"))?
    } else {
        match templates::compile(kind, 0, &source, &sample.data(kind)) {
            Ok((_, e)) => preview_of(&e),
            Err(p) => TemplatePreview {
                subject: String::new(),
                body_text: p
                    .into_iter()
                    .map(|p| p.message)
                    .collect::<Vec<_>>()
                    .join("\n"),
                body_html: String::new(),
            },
        }
    };
    Ok(TemplateEditor {
        kind,
        organisation: user.org_name.clone(),
        placeholders: kind.placeholders().iter().map(|&p| p.to_owned()).collect(),
        version: current.map_or(0, |r| r.version),
        is_default,
        subject: source.subject,
        body_text: source.text,
        body_html: source.html,
        preview,
        history: rows.iter().map(version_dto).collect(),
        test_recipient: user.email.clone(),
        sender: SenderSettings {
            sender_name: sender_name.unwrap_or_default(),
            reply_to: reply_to.unwrap_or_default(),
        },
    })
}

fn version_dto(r: &VersionRow) -> TemplateVersionDto {
    TemplateVersionDto {
        version: r.version,
        is_default: r.subject.is_none(),
        created_at: r.created_at.unix_timestamp(),
        created_by: r.created_by.clone(),
    }
}

/// `source` rendered with sample data, or every problem beside its field.
///
/// # Errors
/// 422 with the problems per field (`subject`, `body_text`, `body_html`).
pub fn preview(
    state: &AppState,
    user: &CurrentUser,
    kind: EmailTemplateKind,
    source: &TemplateSource,
) -> Result<TemplatePreview, AppError> {
    let sample = Sample::new(state, user, kind);
    templates::compile(kind, 0, source, &sample.data(kind))
        .map(|(_, e)| preview_of(&e))
        .map_err(refused)
}

/// Saves `source` as the next version of `kind` (in use from now on) with its audit event.
/// A template with problems changes nothing: the version in use stays.
///
/// # Errors
/// 422 per field as [`preview`]; 500 on database failure.
pub async fn save(
    state: &AppState,
    user: &CurrentUser,
    ctx: &RequestContext,
    kind: EmailTemplateKind,
    source: &TemplateSource,
) -> Result<TemplateEditor, AppError> {
    preview(state, user, kind, source)?;
    let parts = NewVersion {
        subject: Some(&source.subject),
        body_text: Some(&source.text),
        body_html: Some(&source.html),
    };
    append(
        state,
        user,
        ctx,
        kind,
        &parts,
        OrganisationAction::EmailTemplateSaved,
    )
    .await?;
    editor(state, user, kind).await
}

/// Makes the built-in template of `kind` the one in use again (a new version, audited);
/// nothing changes when it already is.
///
/// # Errors
/// 500 on database failure.
pub async fn reset(
    state: &AppState,
    user: &CurrentUser,
    ctx: &RequestContext,
    kind: EmailTemplateKind,
) -> Result<TemplateEditor, AppError> {
    let current = editor(state, user, kind).await?;
    if current.is_default {
        return Ok(current);
    }
    let parts = NewVersion {
        subject: None,
        body_text: None,
        body_html: None,
    };
    append(
        state,
        user,
        ctx,
        kind,
        &parts,
        OrganisationAction::EmailTemplateReset,
    )
    .await?;
    editor(state, user, kind).await
}

async fn append(
    state: &AppState,
    user: &CurrentUser,
    ctx: &RequestContext,
    kind: EmailTemplateKind,
    parts: &NewVersion<'_>,
    action: OrganisationAction,
) -> Result<i32, AppError> {
    let db = AppError::internal::<sqlx::Error>(DB);
    let mut tx = state.pool.begin().await.map_err(db)?;
    let version = repo::insert_version(&mut tx, user.org_id, kind.as_str(), parts, user.user_id)
        .await
        .map_err(db)?;
    audit::record(
        &mut *tx,
        Event {
            organisation_id: user.org_id,
            subject: Subject::Organisation(user.org_id, action),
            actor: Actor::User(user.user_id),
            ctx,
            detail: json!({ "template": kind.as_str(), "version": version }),
        },
    )
    .await
    .map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok(version)
}

/// Sends `source` (saved or not) rendered with sample data to the admin's own address, through
/// the outbox, with the organisation's sender settings and "[Test]" before the subject.
/// Returns the address. At most [`TESTS_PER_MINUTE`] a minute per person.
///
/// # Errors
/// 422 per field as [`preview`], or when the admin has no email address; 429 past the limit;
/// 500 on database failure.
pub async fn send_test(
    state: &AppState,
    user: &CurrentUser,
    kind: EmailTemplateKind,
    source: &TemplateSource,
) -> Result<String, AppError> {
    let sample = Sample::new(state, user, kind);
    let (_, mut email) =
        templates::compile(kind, 0, source, &sample.data(kind)).map_err(refused)?;
    let to = EmailAddress::parse(&user.email).map_err(|_| {
        AppError::field(
            "test",
            "Your account has no email address to send a test to.",
        )
    })?;
    let db = AppError::internal::<sqlx::Error>(DB);
    let mut tx = state.pool.begin().await.map_err(db)?;
    let bucket = format!("template-test:{}", user.user_id);
    if let Some(secs) =
        rate_limit::acquire(&mut tx, &bucket, TESTS_PER_MINUTE, Duration::from_secs(60))
            .await
            .map_err(db)?
    {
        return Err(AppError::RateLimited {
            retry_after_secs: secs,
            message: format!(
                "You can send at most {TESTS_PER_MINUTE} test emails a minute. Try again in {secs} seconds."
            ),
        });
    }
    let (sender_name, reply_to) = repo::sender(&mut *tx, user.org_id).await.map_err(db)?;
    email.subject = format!("[Test] {}", email.subject);
    email.template = None;
    email.sender_name = sender_name;
    email.reply_to = reply_to;
    outbox::enqueue(
        &mut tx,
        &state.config.encryption_keys,
        to.as_str(),
        &email,
        outbox::About::Nothing,
    )
    .await
    .map_err(db)?;
    tx.commit().await.map_err(db)?;
    tracing::info!(organisation_id = %user.org_id, user_id = %user.user_id,
                   kind = kind.as_str(), "test email queued");
    Ok(to.as_str().to_owned())
}

/// Sets the organisation's sender display name and reply-to address (empty clears either),
/// audited.
///
/// Rules: the name is at most [`MAX_SENDER_NAME_CHARS`] characters on one line; the reply-to
/// is an email address ([`EmailAddress::parse`]).
///
/// # Errors
/// 422 on `sender_name` or `reply_to`; 500 on database failure.
pub async fn save_sender(
    state: &AppState,
    user: &CurrentUser,
    ctx: &RequestContext,
    sender_name: &str,
    reply_to: &str,
) -> Result<SenderSettings, AppError> {
    let mut errors = crate::error::FieldErrors::default();
    let name = sender_name.trim();
    if name.chars().count() > MAX_SENDER_NAME_CHARS {
        errors.add(
            "sender_name",
            format!("Keep the sender name under {MAX_SENDER_NAME_CHARS} characters."),
        );
    } else if name.chars().any(char::is_control) {
        errors.add("sender_name", "The sender name must be one line of text.");
    }
    let reply = reply_to.trim();
    let reply = if reply.is_empty() {
        None
    } else {
        errors.check("reply_to", EmailAddress::parse(reply))
    };
    errors.finish()?;
    let name = (!name.is_empty()).then_some(name);
    let db = AppError::internal::<sqlx::Error>(DB);
    let mut tx = state.pool.begin().await.map_err(db)?;
    repo::set_sender(
        &mut *tx,
        user.org_id,
        name,
        reply.as_ref().map(EmailAddress::as_str),
    )
    .await
    .map_err(db)?;
    audit::record(
        &mut *tx,
        Event {
            organisation_id: user.org_id,
            subject: Subject::Organisation(user.org_id, OrganisationAction::EmailSenderChanged),
            actor: Actor::User(user.user_id),
            ctx,
            detail: json!({ "sender_name_set": name.is_some(), "reply_to_set": reply.is_some() }),
        },
    )
    .await
    .map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok(SenderSettings {
        sender_name: name.unwrap_or_default().to_owned(),
        reply_to: reply.map(|r| r.as_str().to_owned()).unwrap_or_default(),
    })
}
