//! Rules of registration and acceptance.

use super::api::{InvitationPreview, RegistrationState};
use crate::{
    audit::{self, AuditAction},
    auth::{passwords::blocklist_problem, session},
    db::is_unique_violation,
    domain::{
        EmailAddress, InvitationStatus, InvitationToken, OrgKind, PasswordPolicy, PersonName, Role,
    },
    email::{outbox, templates},
    error::{AppError, FieldErrors},
    invitations::repo::{self, InvitationFacts},
    rate_limit,
    security::RequestContext,
    startup::AppState,
};
use leptos::prelude::expect_context;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use std::time::Duration;
use uuid::Uuid;

fn db_error(e: sqlx::Error) -> AppError {
    AppError::internal("registration database error")(e)
}

/// The invitation behind `token`, if it exists and belongs to organisation `org`.
async fn lookup(
    state: &AppState,
    token: &str,
    org: &str,
) -> Result<Option<(InvitationToken, InvitationFacts)>, AppError> {
    let (Some(token), Ok(org)) = (InvitationToken::parse(token), Uuid::parse_str(org)) else {
        return Ok(None);
    };
    let facts = repo::find_by_token(&state.pool, &token.hash())
        .await
        .map_err(db_error)?;
    Ok(facts
        .filter(|f| f.organisation_id == org)
        .map(|f| (token, f)))
}

fn effective(f: &InvitationFacts) -> InvitationStatus {
    InvitationStatus::parse(&f.status)
        .unwrap_or(InvitationStatus::Revoked)
        .effective(f.overdue)
}

fn dead_link_error(status: InvitationStatus) -> AppError {
    match status {
        InvitationStatus::Accepted => AppError::Conflict(
            "This invitation has already been used. Sign in with your account instead.".into(),
        ),
        InvitationStatus::Revoked => AppError::Gone(
            "This invitation was revoked. Contact your administrator if you still need access."
                .into(),
        ),
        _ => AppError::Gone(
            "This invitation has expired. Ask for a new one from the link page.".into(),
        ),
    }
}

fn unknown() -> AppError {
    AppError::NotFound("This invitation link is not valid. Check that you copied all of it.".into())
}

fn role_label(f: &InvitationFacts) -> (OrgKind, Option<Role>, String) {
    let kind = OrgKind::parse(&f.organisation_kind).unwrap_or(OrgKind::Company);
    let role = Role::parse_for(&f.role, kind).ok();
    let label = role.map_or_else(|| f.role.clone(), |r| r.label(kind).to_owned());
    (kind, role, label)
}

async fn account_exists(state: &AppState, email: &str) -> Result<bool, AppError> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE email = $1::citext)")
        .bind(email)
        .fetch_one(&state.pool)
        .await
        .map_err(db_error)
}

/// See [`super::api::registration_view`].
pub async fn view(token: &str, org: &str) -> Result<RegistrationState, AppError> {
    let ctx = RequestContext::current();
    let (state, web_session) = session::load().await?;
    let Some((_, f)) = lookup(&state, token, org).await? else {
        return Ok(RegistrationState::Unknown);
    };
    match effective(&f) {
        InvitationStatus::Accepted => return Ok(RegistrationState::Accepted),
        InvitationStatus::Revoked => return Ok(RegistrationState::Revoked),
        InvitationStatus::Expired => return Ok(RegistrationState::Expired),
        InvitationStatus::Pending => {}
    }
    audit::record(
        &state.pool,
        f.id,
        AuditAction::Viewed,
        None,
        &ctx,
        json!({}),
    )
    .await
    .map_err(db_error)?;
    let signed_in_as = session::optional_user(&state, &web_session)
        .await?
        .map(|u| u.email);
    let (_, _, role_label) = role_label(&f);
    Ok(RegistrationState::Open(Box::new(InvitationPreview {
        account_exists: account_exists(&state, &f.email).await?,
        organisation_name: f.organisation_name,
        role_label,
        email: f.email,
        first_name: f.first_name,
        last_name: f.last_name,
        designation: f.designation,
        department: f.department,
        expires_at: f.expires_at.unix_timestamp(),
        server_now: time::OffsetDateTime::now_utc().unix_timestamp(),
        password_min_chars: state.config.password_policy.min_chars,
        signed_in_as,
    })))
}

/// See [`super::api::complete_registration`].
pub async fn complete(
    token: &str,
    org: &str,
    first_name: &str,
    last_name: &str,
    password: SecretString,
    confirmation: SecretString,
) -> Result<String, AppError> {
    let ctx = RequestContext::current();
    let (state, web_session) = session::load().await?;
    let Some((token, f)) = lookup(&state, token, org).await? else {
        return Err(unknown());
    };
    let status = effective(&f);
    if status != InvitationStatus::Pending {
        return Err(dead_link_error(status));
    }

    let mut errs = FieldErrors::default();
    let first = errs.check("first_name", PersonName::parse(first_name));
    let last = errs.check("last_name", PersonName::parse(last_name));
    let policy: PasswordPolicy = state.config.password_policy;
    let pw = password.expose_secret();
    if errs.check("password", policy.check_length(pw)).is_some() {
        let context = [
            f.email.as_str(),
            first_name,
            last_name,
            f.organisation_name.as_str(),
            "gatehouse",
        ];
        if let Some(why) = blocklist_problem(pw, &context) {
            errs.add("password", why);
        }
    }
    errs.check(
        "password_confirmation",
        PasswordPolicy::check_confirmation(pw, confirmation.expose_secret()),
    );
    errs.finish()?;
    let (first, last) = (
        first.ok_or(AppError::Internal)?,
        last.ok_or(AppError::Internal)?,
    );

    if account_exists(&state, &f.email).await? {
        return Err(AppError::Conflict(
            "An account with this email address already exists. Sign in to accept the invitation."
                .into(),
        ));
    }
    let phc = state.passwords.hash(password).await?;

    let mut tx = state.pool.begin().await.map_err(db_error)?;
    let Some(spent) = repo::spend_token(&mut tx, &token.hash())
        .await
        .map_err(db_error)?
    else {
        return Err(AppError::Conflict(
            "This invitation has already been used. Sign in with your account instead.".into(),
        ));
    };
    let user_id = Uuid::new_v4();
    let inserted = sqlx::query(
        "INSERT INTO users (id, email, first_name, last_name, password_hash)
         VALUES ($1, $2::citext, $3, $4, $5)",
    )
    .bind(user_id)
    .bind(&spent.email)
    .bind(first.as_str())
    .bind(last.as_str())
    .bind(&phc)
    .execute(&mut *tx)
    .await;
    match inserted {
        Err(e) if is_unique_violation(&e, "users_email_key") => return Err(AppError::Conflict(
            "An account with this email address already exists. Sign in to accept the invitation."
                .into(),
        )),
        other => other.map_err(db_error)?,
    };
    join(&mut tx, &spent, user_id, &ctx).await?;
    tx.commit().await.map_err(db_error)?;

    let (kind, role, _) = role_label(&spent);
    session::start(&web_session, user_id, spent.organisation_id).await?;
    let dest = role.map_or("/home", |r| r.dashboard_path(kind)).to_owned();
    tracing::info!(invitation_id = %spent.id, %user_id, "registration completed");
    leptos_axum::redirect(&dest);
    Ok(dest)
}

/// Records acceptance on a spent invitation: links the user, creates the membership with the
/// organisation, role, designation and department of the invitation row, audits `accepted`.
async fn join(
    tx: &mut sqlx::PgConnection,
    spent: &InvitationFacts,
    user_id: Uuid,
    ctx: &RequestContext,
) -> Result<(), AppError> {
    sqlx::query("UPDATE invitations SET accepted_user_id = $2 WHERE id = $1")
        .bind(spent.id)
        .bind(user_id)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
    sqlx::query(
        "INSERT INTO memberships (user_id, organisation_id, role, designation, department)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (user_id, organisation_id) DO NOTHING",
    )
    .bind(user_id)
    .bind(spent.organisation_id)
    .bind(&spent.role)
    .bind(&spent.designation)
    .bind(&spent.department)
    .execute(&mut *tx)
    .await
    .map_err(db_error)?;
    audit::record(
        &mut *tx,
        spent.id,
        AuditAction::Accepted,
        Some(user_id),
        ctx,
        json!({ "user_id": user_id }),
    )
    .await
    .map_err(db_error)
}

/// See [`super::api::accept_invitation`].
pub async fn accept_signed_in(token: &str, org: &str) -> Result<String, AppError> {
    let ctx = RequestContext::current();
    let (state, web_session) = session::load().await?;
    let user = session::current_user(&state, &web_session).await?;
    let Some((token, f)) = lookup(&state, token, org).await? else {
        return Err(unknown());
    };
    let status = effective(&f);
    if status != InvitationStatus::Pending {
        return Err(dead_link_error(status));
    }
    if !f.email.eq_ignore_ascii_case(&user.email) {
        return Err(AppError::Conflict(format!(
            "You are signed in as {}, but this invitation is for {}. Sign out, then sign in as {}.",
            user.email, f.email, f.email
        )));
    }
    let mut tx = state.pool.begin().await.map_err(db_error)?;
    let Some(spent) = repo::spend_token(&mut tx, &token.hash())
        .await
        .map_err(db_error)?
    else {
        return Err(dead_link_error(InvitationStatus::Accepted));
    };
    join(&mut tx, &spent, user.user_id, &ctx).await?;
    tx.commit().await.map_err(db_error)?;
    session::switch_organisation(&web_session, spent.organisation_id).await?;
    let (kind, role, _) = role_label(&spent);
    let dest = role.map_or("/home", |r| r.dashboard_path(kind)).to_owned();
    leptos_axum::redirect(&dest);
    Ok(dest)
}

/// The one answer [`request_reissue`] gives, whatever was entered.
pub const REISSUE_ANSWER: &str = "Thank you. If that address matches this invitation, the person who invited you has been asked to send a new one.";

/// See [`super::api::request_new_invitation`]. At most 5 requests per client IP per hour, and
/// at most one notification per invitation per hour (silently: the answer does not change).
pub async fn request_reissue(token: &str, org: &str, email: &str) -> Result<String, AppError> {
    let ctx = RequestContext::current();
    let state = expect_context::<AppState>();
    let email = EmailAddress::parse(email).map_err(|e| AppError::field("email", e.to_string()))?;
    let mut tx = state.pool.begin().await.map_err(db_error)?;
    let ip_bucket = format!("reissue-ip:{}", ctx.ip_key());
    if let Some(secs) = rate_limit::acquire(&mut tx, &ip_bucket, 5, Duration::from_secs(3600))
        .await
        .map_err(db_error)?
    {
        return Err(AppError::RateLimited {
            retry_after_secs: secs,
            message: format!("Too many requests. Try again in {secs} seconds."),
        });
    }
    tx.commit().await.map_err(db_error)?;

    let Some((_, f)) = lookup(&state, token, org).await? else {
        return Ok(REISSUE_ANSWER.into());
    };
    if effective(&f) != InvitationStatus::Expired || !f.email.eq_ignore_ascii_case(email.as_str()) {
        return Ok(REISSUE_ANSWER.into());
    }
    let mut tx = state.pool.begin().await.map_err(db_error)?;
    let per_invitation = format!("reissue:{}", f.id);
    if rate_limit::acquire(&mut tx, &per_invitation, 1, Duration::from_secs(3600))
        .await
        .map_err(db_error)?
        .is_some()
    {
        return Ok(REISSUE_ANSWER.into());
    }
    audit::record(
        &mut *tx,
        f.id,
        AuditAction::ReissueRequested,
        None,
        &ctx,
        json!({ "inviter_notified": f.inviter_id.is_some() }),
    )
    .await
    .map_err(db_error)?;
    if let Some(inviter) = f.inviter_id {
        let row: Option<(String, String, String)> = sqlx::query_as(
            "SELECT u.email::text, o.kind, m.role FROM users u
               JOIN memberships m ON m.user_id = u.id
               JOIN organisations o ON o.id = m.organisation_id
              WHERE u.id = $1 AND u.email IS NOT NULL
              ORDER BY (o.kind = 'platform') DESC LIMIT 1",
        )
        .bind(inviter)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error)?;
        if let Some((inviter_email, kind, role)) = row {
            let path = OrgKind::parse(&kind)
                .and_then(|k| {
                    Role::parse_for(&role, k)
                        .ok()
                        .and_then(|r| r.invitations_path(k))
                })
                .unwrap_or("/login");
            let rendered = templates::reissue_request(
                &f.email,
                &f.organisation_name,
                &state.config.link(path),
            );
            outbox::enqueue(&mut tx, &inviter_email, &rendered, None)
                .await
                .map_err(db_error)?;
        }
    }
    tx.commit().await.map_err(db_error)?;
    Ok(REISSUE_ANSWER.into())
}
