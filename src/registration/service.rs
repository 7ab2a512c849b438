//! Rules of registration and acceptance.

use super::{
    dto::{InvitationPreview, RegistrationState, REISSUE_ANSWER},
    repo as registration_repo,
};
use crate::{
    audit::{self, Actor, Event, InvitationAction, Subject},
    auth::{passwords::blocklist_problem, session::CurrentUser},
    db::is_unique_violation,
    domain::{
        EmailAddress, InvitationStatus, InvitationToken, OrgKind, PasswordPolicy, PersonName, Role,
    },
    email::{outbox, templates},
    error::{AppError, FieldErrors},
    invitations::repo::{self, InvitationFacts},
    rate_limit,
    security::RequestContext,
    state::AppState,
};
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
    registration_repo::account_exists(&state.pool, email)
        .await
        .map_err(db_error)
}

/// The state of the link `token` of organisation `org`, without spending it. An open one
/// records a `viewed` audit event. `signed_in_as` is the email of whoever is signed in in
/// this browser, shown on the form.
///
/// # Errors
/// 500 on database failure (unknown, expired, used and revoked links are states, not errors).
#[tracing::instrument(skip_all)]
pub async fn view(
    state: &AppState,
    ctx: &RequestContext,
    token: &str,
    org: &str,
    signed_in_as: Option<String>,
) -> Result<RegistrationState, AppError> {
    let Some((_, f)) = lookup(state, token, org).await? else {
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
        Event {
            organisation_id: f.organisation_id,
            subject: Subject::Invitation(f.id, InvitationAction::Viewed),
            actor: Actor::Anonymous,
            ctx,
            detail: json!({}),
        },
    )
    .await
    .map_err(db_error)?;
    let (_, _, role_label) = role_label(&f);
    Ok(RegistrationState::Open(Box::new(InvitationPreview {
        account_exists: account_exists(state, &f.email).await?,
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

/// Where a person goes once registered or accepted: the new membership's organisation and
/// their role's dashboard.
#[derive(Debug)]
pub struct Admitted {
    pub user_id: Uuid,
    pub organisation_id: Uuid,
    pub dashboard_path: &'static str,
}

/// Completes registration: checks the names and the password (length, confirmation, the
/// NIST SP 800-63B-4 blocklist), then in one transaction spends the token, creates the user
/// and the membership with the organisation and role from the invitation (never from the
/// form), and audits `accepted`. The caller starts the session.
///
/// # Errors
/// 404 unknown link; 409 used link or existing account; 410 expired or revoked; 422 naming
/// each bad field; 503 when password hashing is saturated; 500 on database failure.
#[tracing::instrument(skip_all)]
#[allow(clippy::too_many_arguments)]
pub async fn complete(
    state: &AppState,
    ctx: &RequestContext,
    token: &str,
    org: &str,
    first_name: &str,
    last_name: &str,
    password: SecretString,
    confirmation: SecretString,
) -> Result<Admitted, AppError> {
    let Some((token, f)) = lookup(state, token, org).await? else {
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

    if account_exists(state, &f.email).await? {
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
    let inserted = registration_repo::insert_user(
        &mut tx,
        user_id,
        &spent.email,
        first.as_str(),
        last.as_str(),
        &phc,
    )
    .await;
    match inserted {
        Err(e) if is_unique_violation(&e, "users_email_key") => return Err(AppError::Conflict(
            "An account with this email address already exists. Sign in to accept the invitation."
                .into(),
        )),
        other => other.map_err(db_error)?,
    };
    join(&mut tx, &spent, user_id, ctx).await?;
    tx.commit().await.map_err(db_error)?;
    tracing::info!(invitation_id = %spent.id, %user_id, "registration completed");
    Ok(admitted(&spent, user_id))
}

fn admitted(spent: &InvitationFacts, user_id: Uuid) -> Admitted {
    let (kind, role, _) = role_label(spent);
    Admitted {
        user_id,
        organisation_id: spent.organisation_id,
        dashboard_path: role.map_or("/home", |r| r.dashboard_path(kind)),
    }
}

/// Records acceptance on a spent invitation: links the user, creates the membership with the
/// organisation, role, designation and department of the invitation row, audits `accepted`.
async fn join(
    tx: &mut sqlx::PgConnection,
    spent: &InvitationFacts,
    user_id: Uuid,
    ctx: &RequestContext,
) -> Result<(), AppError> {
    registration_repo::admit(&mut *tx, spent, user_id)
        .await
        .map_err(db_error)?;
    audit::record(
        &mut *tx,
        Event {
            organisation_id: spent.organisation_id,
            subject: Subject::Invitation(spent.id, InvitationAction::Accepted),
            actor: Actor::User(user_id),
            ctx,
            detail: json!({ "user_id": user_id }),
        },
    )
    .await
    .map_err(db_error)?;
    crate::webhooks::service::emit_for_invitation(
        &mut *tx,
        spent.id,
        crate::domain::WebhookEventType::InvitationAccepted,
        json!({ "invitation_id": spent.id, "status": "accepted" }),
    )
    .await
    .map_err(db_error)?;
    Ok(())
}

/// Accepts the invitation `token` with `user`'s existing account, whose email must match the
/// invitation's: spends the token, adds the membership and audits `accepted` in one
/// transaction. The caller switches the session to the new organisation.
///
/// # Errors
/// 404 unknown link; 409 used link or another account's invitation; 410 expired or revoked;
/// 500 on database failure.
#[tracing::instrument(skip_all, fields(user_id = %user.user_id))]
pub async fn accept_signed_in(
    state: &AppState,
    ctx: &RequestContext,
    user: &CurrentUser,
    token: &str,
    org: &str,
) -> Result<Admitted, AppError> {
    let Some((token, f)) = lookup(state, token, org).await? else {
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
    join(&mut tx, &spent, user.user_id, ctx).await?;
    tx.commit().await.map_err(db_error)?;
    Ok(admitted(&spent, user.user_id))
}

/// After expiry: notifies the inviter that the invitee asks for a new invitation, when `email`
/// matches the expired invitation. The answer is [`REISSUE_ANSWER`] whatever is entered. At
/// most 5 requests per client IP per hour, and at most one notification per invitation per
/// hour (silently: the answer does not change).
///
/// # Errors
/// 422 for a malformed email; 429 past the per-IP limit; 500 on database failure or a broken email template.
#[tracing::instrument(skip_all)]
pub async fn request_reissue(
    state: &AppState,
    ctx: &RequestContext,
    token: &str,
    org: &str,
    email: &str,
) -> Result<String, AppError> {
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

    let Some((_, f)) = lookup(state, token, org).await? else {
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
        Event {
            organisation_id: f.organisation_id,
            subject: Subject::Invitation(f.id, InvitationAction::ReissueRequested),
            actor: Actor::Anonymous,
            ctx,
            detail: json!({ "inviter_notified": f.inviter_id.is_some() }),
        },
    )
    .await
    .map_err(db_error)?;
    if let Some(inviter) = f.inviter_id {
        let row = registration_repo::inviter_contact(&mut *tx, inviter)
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
            )
            .map_err(AppError::internal("reissue request email did not render"))?;
            outbox::enqueue(
                &mut tx,
                &state.config.encryption_keys,
                &inviter_email,
                &rendered,
                outbox::About::Nothing,
            )
            .await
            .map_err(db_error)?;
        }
    }
    tx.commit().await.map_err(db_error)?;
    Ok(REISSUE_ANSWER.into())
}
