//! The rules and transactions of member invitations. [`read`] holds what managers read.

pub mod bulk;
mod expiry;
mod read;
pub mod reminders;
pub mod sealed_emails;

pub use expiry::run_expiry_job;
pub use read::{
    detail_text, draft_for, draft_with_options, history, invite_options, list, list_filtered, one,
    role_options, ListQuery,
};

use super::repo;
use crate::{
    audit::{self, Event, InvitationAction, Subject},
    auth::session::CurrentUser,
    db::is_unique_violation,
    domain::{InvitationDraft, InvitationStatus, InvitationToken, OrgKind, Role},
    email::{outbox, templates},
    error::AppError,
    rate_limit,
    security::RequestContext,
    state::AppState,
};
use serde_json::json;
use sqlx::PgConnection;
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

/// Invitations one user may create (or resend) per minute, across all app instances.
pub const INVITES_PER_MINUTE: i64 = 5;

/// Who performs an action, for audit events and emails.
#[derive(Clone, Debug)]
pub enum Actor {
    /// A signed-in person.
    User { id: Uuid, name: String },
    /// A partner's API client (scope `invitations:write`).
    Partner { id: Uuid, name: String },
    /// An organisation's API token, on behalf of the admin who made it (`owner`, named
    /// `owner_name`): the inviter of record, named in the email, whose rate limit it shares.
    /// The audit trail names the token.
    ApiToken {
        id: Uuid,
        owner: Uuid,
        owner_name: String,
    },
    /// Gatehouse itself (bootstrap invitation, CLI, background jobs).
    System,
}

impl Actor {
    /// The actor as the audit trail stores it.
    pub fn audit(&self) -> audit::Actor {
        match self {
            Self::User { id, .. } => audit::Actor::User(*id),
            Self::Partner { id, .. } => audit::Actor::PartnerClient(*id),
            Self::ApiToken { id, .. } => audit::Actor::ApiToken(*id),
            Self::System => audit::Actor::System,
        }
    }

    fn user_id(&self) -> Option<Uuid> {
        match self {
            Self::User { id, .. } | Self::ApiToken { owner: id, .. } => Some(*id),
            Self::Partner { .. } | Self::System => None,
        }
    }

    fn partner_id(&self) -> Option<Uuid> {
        match self {
            Self::Partner { id, .. } => Some(*id),
            Self::User { .. } | Self::ApiToken { .. } | Self::System => None,
        }
    }

    fn name(&self) -> Option<&str> {
        match self {
            Self::User { name, .. }
            | Self::Partner { name, .. }
            | Self::ApiToken {
                owner_name: name, ..
            } => Some(name),
            Self::System => None,
        }
    }

    /// The rate-limit bucket of this actor (`None` for the system).
    fn rate_bucket(&self) -> Option<String> {
        match self {
            Self::User { id, .. } | Self::ApiToken { owner: id, .. } => {
                Some(format!("invite:{id}"))
            }
            Self::Partner { id, .. } => Some(format!("invite:partner:{id}")),
            Self::System => None,
        }
    }
}

impl Actor {
    /// The signed-in `user` as the actor.
    pub fn from_user(user: &CurrentUser) -> Self {
        Self::User {
            id: user.user_id,
            name: user.display_name(),
        }
    }
}

/// The organisation filter of `user`: `None` (every organisation) for platform admins, their
/// own organisation for everyone else.
pub fn scope_of(user: &CurrentUser) -> Option<Uuid> {
    (!user.is_platform_admin()).then_some(user.org_id)
}

/// A validated request to invite someone to `organisation_id`.
#[derive(Clone, Debug)]
pub struct NewInvitation {
    pub organisation_id: Uuid,
    pub invitee: InvitationDraft,
    /// How long the link lives; `None`: the configured default
    /// (`GATEHOUSE_INVITATION_TTL_HOURS`). See [`parse_lifetime_hours`].
    pub lifetime: Option<Duration>,
    /// Whether Gatehouse emails the link; `false`: the caller shares the link it gets back.
    pub send_email: bool,
}

impl NewInvitation {
    /// An invitation with the default lifetime, sent by email.
    pub fn new(organisation_id: Uuid, invitee: InvitationDraft) -> Self {
        Self {
            organisation_id,
            invitee,
            lifetime: None,
            send_email: true,
        }
    }
}

/// Shortest and longest lifetime of one invitation, in hours (1 hour to 30 days).
pub const LIFETIME_HOURS: std::ops::RangeInclusive<u64> = 1..=720;

/// Parses a per-invitation lifetime in whole hours: empty means the default (`None`).
///
/// # Errors
/// A sentence for the person: not a number, or outside [`LIFETIME_HOURS`].
pub fn parse_lifetime_hours(input: &str) -> Result<Option<Duration>, String> {
    let t = input.trim();
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<u64>() {
        Ok(h) if LIFETIME_HOURS.contains(&h) => Ok(Some(Duration::from_secs(h * 3600))),
        _ => Err("Choose between 1 hour and 30 days (720 hours).".into()),
    }
}

/// What can go wrong with an invitation; converted once into [`AppError`].
#[derive(Debug, thiserror::Error)]
pub enum InvitationError {
    #[error("rate limited for {0} s")]
    RateLimited(u64),
    #[error("a pending invitation exists for this email")]
    AlreadyPending(String),
    #[error("already a member")]
    AlreadyMember(String),
    #[error("invitation not found or not in scope")]
    NotFound,
    #[error("organisation not found")]
    OrganisationNotFound,
    #[error("the organisation has {0} pending invitations, its quota")]
    QuotaReached(i64),
    #[error("cannot resend an invitation that is {0:?}")]
    NotResendable(InvitationStatus),
    #[error("cannot revoke an invitation that is {0:?}")]
    NotRevocable(InvitationStatus),
    #[error("database")]
    Db(#[from] sqlx::Error),
    #[error("invitation email")]
    Email(#[from] templates::RenderError),
}

impl From<InvitationError> for AppError {
    fn from(e: InvitationError) -> Self {
        match e {
            InvitationError::RateLimited(secs) => AppError::RateLimited {
                retry_after_secs: secs,
                message: format!(
                    "You can send at most {INVITES_PER_MINUTE} invitations a minute. Try again in {secs} seconds."
                ),
            },
            InvitationError::AlreadyPending(email) => AppError::Validation(vec![
                crate::error::FieldError {
                    field: "email".into(),
                    message: format!(
                        "{email} already has a pending invitation. Resend it from the list instead."
                    ),
                },
            ]),
            InvitationError::AlreadyMember(email) => AppError::Validation(vec![
                crate::error::FieldError {
                    field: "email".into(),
                    message: format!("{email} is already a member of this organisation."),
                },
            ]),
            InvitationError::NotFound => AppError::NotFound("That invitation does not exist.".into()),
            InvitationError::OrganisationNotFound => {
                AppError::field("organisation_id", "Choose an organisation.")
            }
            InvitationError::QuotaReached(quota) => AppError::Conflict(format!(
                "This organisation has reached its limit of {quota} pending invitations. Revoke some, or wait until people accept theirs."
            )),
            InvitationError::NotResendable(s) => AppError::Conflict(format!(
                "This invitation is {} and cannot be resent.",
                s.label().to_lowercase()
            )),
            InvitationError::NotRevocable(s) => AppError::Conflict(format!(
                "This invitation is {} and cannot be revoked.",
                s.label().to_lowercase()
            )),
            InvitationError::Db(e) => AppError::internal("invitation database error")(e),
            InvitationError::Email(e) => AppError::internal("invitation email did not render")(e),
        }
    }
}

/// Expiry as shown in emails: "30 November 2026, 14:05 UTC".
pub fn format_expiry(t: OffsetDateTime) -> String {
    let f = time::macros::format_description!(
        "[day padding:none] [month repr:long] [year], [hour]:[minute] UTC"
    );
    t.to_offset(time::UtcOffset::UTC)
        .format(&f)
        .unwrap_or_else(|_| t.to_string())
}

/// The registration link for `token` (the only place a token is ever written).
pub fn registration_link(state: &AppState, token: &InvitationToken, org: Uuid) -> String {
    let path = crate::registration::dto::register_path(token.expose(), &org.to_string(), &[]);
    state.config.link(&path)
}

/// What the invitation email of one invitation says, and where it goes.
struct InvitationMail<'a> {
    invitation_id: Uuid,
    organisation_id: Uuid,
    email: &'a str,
    first_name: &'a str,
    last_name: &'a str,
    org_name: &'a str,
    role_label: &'a str,
    inviter: Option<&'a str>,
    link: &'a str,
    expires_at: OffsetDateTime,
}

/// Renders the invitation email with its organisation's template and sender settings
/// ([`crate::email_templates::service::branding`]) and queues it in `tx`.
async fn queue_invitation_email(
    tx: &mut PgConnection,
    keys: &crate::crypto::EncryptionKeys,
    m: &InvitationMail<'_>,
) -> Result<(), InvitationError> {
    let branding = crate::email_templates::service::branding(
        &mut *tx,
        m.organisation_id,
        crate::domain::EmailTemplateKind::Invitation,
    )
    .await?;
    let rendered = templates::invitation(
        &branding,
        &templates::InvitationEmail {
            invitee_first_name: m.first_name,
            invitee_last_name: m.last_name,
            organisation: m.org_name,
            role: m.role_label,
            inviter: m.inviter,
            link: m.link,
            expires: &format_expiry(m.expires_at),
        },
    )?;
    outbox::enqueue(
        tx,
        keys,
        m.email,
        &rendered,
        outbox::About::Invitation(m.invitation_id),
    )
    .await?;
    Ok(())
}

async fn check_rate(tx: &mut PgConnection, actor: &Actor) -> Result<(), InvitationError> {
    if let Some(bucket) = actor.rate_bucket() {
        if let Some(secs) =
            rate_limit::acquire(tx, &bucket, INVITES_PER_MINUTE, Duration::from_secs(60)).await?
        {
            return Err(InvitationError::RateLimited(secs));
        }
    }
    Ok(())
}

/// A created invitation; the token is returned only so the CLI and bootstrap can print the
/// link — server functions never pass it on.
pub struct Created {
    pub id: Uuid,
    pub token: InvitationToken,
    pub link: String,
}

/// Creates an invitation, its `created` audit event and its email, in one transaction.
///
/// Rules: at most [`INVITES_PER_MINUTE`] per inviting user (advisory-locked in the
/// transaction); no second pending invitation for the same email and organisation
/// (partial unique index `invitations_one_pending_per_email`); nobody who is already a member;
/// at most `GATEHOUSE_PENDING_INVITATION_QUOTA` pending invitations per organisation. The
/// link lives `new.lifetime` (default: the configured one); without `new.send_email` no email
/// is queued and the caller shows the link it gets back.
///
/// # Errors
/// [`InvitationError::RateLimited`], `AlreadyPending`, `AlreadyMember`,
/// `OrganisationNotFound`, `QuotaReached`, `Db`, or `Email` (a broken email template).
#[tracing::instrument(skip_all)]
pub async fn create(
    state: &AppState,
    actor: &Actor,
    new: NewInvitation,
    ctx: &RequestContext,
) -> Result<Created, InvitationError> {
    let mut tx = state.pool.begin().await?;
    check_rate(&mut tx, actor).await?;
    let (org_name, org_kind) = repo::organisation(&mut *tx, new.organisation_id)
        .await?
        .ok_or(InvitationError::OrganisationNotFound)?;
    let org_kind = OrgKind::parse(&org_kind).ok_or(InvitationError::OrganisationNotFound)?;
    if repo::is_member(&mut *tx, new.organisation_id, new.invitee.email.as_str()).await? {
        return Err(InvitationError::AlreadyMember(
            new.invitee.email.to_string(),
        ));
    }
    // The quota is counted under a per-organisation lock, so concurrent invitations cannot
    // both take the last place.
    let pending = repo::lock_and_count_pending(&mut tx, new.organisation_id).await?;
    if pending >= state.config.pending_invitation_quota {
        return Err(InvitationError::QuotaReached(
            state.config.pending_invitation_quota,
        ));
    }
    let id = Uuid::new_v4();
    let token = InvitationToken::generate();
    let expires_at =
        OffsetDateTime::now_utc() + new.lifetime.unwrap_or(state.config.invitation_ttl);
    // Whoever shares a link-only invitation themselves gets no reminder sent by us.
    let reminder = new
        .send_email
        .then(|| sealed_emails::seal_token(&state.config.encryption_keys, id, &token));
    let inserted = repo::insert(
        &mut tx,
        &repo::NewRow {
            id,
            organisation_id: new.organisation_id,
            invitee: &new.invitee,
            inviter_id: actor.user_id(),
            partner_id: actor.partner_id(),
            token_hash: &token.hash(),
            expires_at,
            reminder: reminder.as_ref(),
        },
    )
    .await;
    match inserted {
        Err(e) if is_unique_violation(&e, "invitations_one_pending_per_email") => {
            return Err(InvitationError::AlreadyPending(
                new.invitee.email.to_string(),
            ))
        }
        other => other?,
    };
    let role_label = new.invitee.role.label(org_kind);
    audit::record(
        &mut *tx,
        Event {
            organisation_id: new.organisation_id,
            subject: Subject::Invitation(id, InvitationAction::Created),
            actor: actor.audit(),
            ctx,
            detail: json!({ "email": new.invitee.email.as_str(), "role": new.invitee.role.as_str(),
                "organisation_id": new.organisation_id, "expires_at": crate::domain::rfc3339(expires_at),
                "delivery": if new.send_email { "email" } else { "link" },
                "partner_id": actor.partner_id(), "partner": actor.partner_id().and(actor.name()) }),
        },
    )
    .await?;
    // Only a partner's own invitations are its events; the actor says whose this is, so no
    // lookup is needed (and a person's invitation costs no extra query).
    if let Some(partner) = actor.partner_id() {
        crate::webhooks::service::emit(
            &mut tx,
            partner,
            crate::domain::WebhookEventType::InvitationCreated,
            json!({ "invitation_id": id, "status": "pending", "role": new.invitee.role.as_str(),
                    "expires_at": crate::domain::rfc3339(expires_at) }),
        )
        .await?;
    }
    let link = registration_link(state, &token, new.organisation_id);
    if !new.send_email {
        tx.commit().await?;
        tracing::info!(invitation_id = %id, organisation_id = %new.organisation_id, "invitation created (link only)");
        return Ok(Created { id, token, link });
    }
    queue_invitation_email(
        &mut tx,
        &state.config.encryption_keys,
        &InvitationMail {
            invitation_id: id,
            organisation_id: new.organisation_id,
            email: new.invitee.email.as_str(),
            first_name: new.invitee.first_name.as_str(),
            last_name: new.invitee.last_name.as_str(),
            org_name: &org_name,
            role_label,
            inviter: actor.name(),
            link: &link,
            expires_at,
        },
    )
    .await?;
    tx.commit().await?;
    tracing::info!(invitation_id = %id, organisation_id = %new.organisation_id, "invitation created");
    Ok(Created { id, token, link })
}

/// Issues a new token for a pending or expired invitation: the old link stops working at once,
/// the expiry restarts, unsent emails with the old link are cancelled, and a new email is
/// queued. Counts against the inviter's rate limit like a new invitation.
///
/// # Errors
/// `NotFound` (also when outside `scope`), `NotResendable`, `AlreadyPending` (a newer pending
/// invitation exists for the same email), `RateLimited`, `Db`, `Email`.
#[tracing::instrument(skip_all)]
pub async fn resend(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    scope: Option<Uuid>,
    ctx: &RequestContext,
) -> Result<(), InvitationError> {
    let mut tx = state.pool.begin().await?;
    let inv = repo::lock_in_scope(&mut tx, id, scope)
        .await?
        .ok_or(InvitationError::NotFound)?;
    let status = InvitationStatus::parse(&inv.status)
        .ok_or(InvitationError::NotFound)?
        .effective(inv.overdue);
    if !status.can_resend() {
        return Err(InvitationError::NotResendable(status));
    }
    check_rate(&mut tx, actor).await?;
    let token = InvitationToken::generate();
    let expires_at = OffsetDateTime::now_utc() + state.config.invitation_ttl;
    let reminder = sealed_emails::seal_token(&state.config.encryption_keys, id, &token);
    let updated = repo::reissue(&mut tx, id, &token.hash(), expires_at, &reminder).await;
    match updated {
        Err(e) if is_unique_violation(&e, "invitations_one_pending_per_email") => {
            return Err(InvitationError::AlreadyPending(inv.email))
        }
        other => other?,
    };
    outbox::cancel(&mut tx, outbox::About::Invitation(id)).await?;
    audit::record(
        &mut *tx,
        Event {
            organisation_id: inv.organisation_id,
            subject: Subject::Invitation(id, InvitationAction::Resent),
            actor: actor.audit(),
            ctx,
            detail: json!({ "previous_status": status.as_str(),
                "expires_at": crate::domain::rfc3339(expires_at) }),
        },
    )
    .await?;
    let kind = OrgKind::parse(&inv.organisation_kind).unwrap_or(OrgKind::Company);
    let role_label = Role::parse_for(&inv.role, kind)
        .map(|r| r.label(kind))
        .unwrap_or("Member");
    let link = registration_link(state, &token, inv.organisation_id);
    queue_invitation_email(
        &mut tx,
        &state.config.encryption_keys,
        &InvitationMail {
            invitation_id: id,
            organisation_id: inv.organisation_id,
            email: &inv.email,
            first_name: &inv.first_name,
            last_name: &inv.last_name,
            org_name: &inv.organisation_name,
            role_label,
            inviter: actor.name(),
            link: &link,
            expires_at,
        },
    )
    .await?;
    tx.commit().await?;
    tracing::info!(invitation_id = %id, "invitation resent");
    Ok(())
}

/// Revokes a pending invitation: its link stops working at once and unsent emails are
/// cancelled. `reason` (optional) is stored and audited.
///
/// # Errors
/// `NotFound` (also when outside `scope`), `NotRevocable`, `Db`.
#[tracing::instrument(skip_all)]
pub async fn revoke(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    scope: Option<Uuid>,
    reason: Option<String>,
    ctx: &RequestContext,
) -> Result<(), InvitationError> {
    let mut tx = state.pool.begin().await?;
    let inv = repo::lock_in_scope(&mut tx, id, scope)
        .await?
        .ok_or(InvitationError::NotFound)?;
    let stored = InvitationStatus::parse(&inv.status).ok_or(InvitationError::NotFound)?;
    if !stored.can_revoke() {
        return Err(InvitationError::NotRevocable(stored));
    }
    repo::revoke(&mut tx, id, reason.as_deref()).await?;
    outbox::cancel(&mut tx, outbox::About::Invitation(id)).await?;
    audit::record(
        &mut *tx,
        Event {
            organisation_id: inv.organisation_id,
            subject: Subject::Invitation(id, InvitationAction::Revoked),
            actor: actor.audit(),
            ctx,
            detail: json!({ "reason": reason }),
        },
    )
    .await?;
    crate::webhooks::service::emit_for_invitation(
        &mut tx,
        id,
        crate::domain::WebhookEventType::InvitationRevoked,
        json!({ "invitation_id": id, "status": "revoked" }),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(invitation_id = %id, "invitation revoked");
    Ok(())
}

/// Token checks one client may make per minute on `/api/invitations/validate`.
pub const VALIDATIONS_PER_MINUTE: i64 = 30;

/// What a registration token would say if opened: `valid`, `expired`, `used`, `revoked` or
/// `unknown`, and nothing else. Never spends the token or records a view. Every answer costs
/// the same: the per-client throttle, one SHA-256 and one indexed lookup (a malformed token
/// is hashed and looked up like any other), so timing tells nothing either.
///
/// # Errors
/// 429 past [`VALIDATIONS_PER_MINUTE`] per client (IPv4 address or IPv6 /64); 503/500 on
/// database failure.
pub async fn validate_token(
    state: &AppState,
    ctx: &RequestContext,
    token: &str,
) -> Result<&'static str, AppError> {
    use sha2::{Digest, Sha256};
    let db = AppError::internal::<sqlx::Error>("validating a token failed");
    let bucket = format!("validate:{}", ctx.ip_key());
    if let Some(secs) = rate_limit::reserve(
        &state.pool,
        &bucket,
        VALIDATIONS_PER_MINUTE,
        Duration::from_secs(60),
    )
    .await
    .map_err(db)?
    {
        return Err(AppError::RateLimited {
            retry_after_secs: secs,
            message: format!("Too many checks. Try again in {secs} seconds."),
        });
    }
    let hash: [u8; 32] = match InvitationToken::parse(token) {
        Some(t) => t.hash().0,
        None => Sha256::digest(token.as_bytes()).into(),
    };
    let found = repo::token_state(&state.pool, &hash).await.map_err(db)?;
    Ok(match found {
        None => "unknown",
        Some((_, true)) => "expired",
        Some((status, false)) => match status.as_str() {
            "pending" => "valid",
            "accepted" => "used",
            "revoked" => "revoked",
            _ => "expired",
        },
    })
}
