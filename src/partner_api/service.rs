//! The rules of the partner API: issuing access tokens (RFC 6749 §4.4 client credentials),
//! authenticating them with one scope check (RFC 6750), and what an authenticated partner may
//! do. Every function takes explicit arguments and knows no HTTP.

use super::repo::{self, PartnerInvitation};
use crate::{
    audit::{self, Actor, Event, PartnerAction, Subject},
    crypto::{random_32, secret_hash},
    domain::{parse_scope_list, DraftFields, InvitationDraft, OrgKind, PartnerStatus, Scope},
    error::{AppError, FieldErrors},
    invitations::{
        repo as invitation_repo,
        service::{self as invitations, NewInvitation},
    },
    rate_limit,
    security::RequestContext,
    state::AppState,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use sha2::{Digest, Sha256};
use std::{collections::BTreeMap, time::Duration};
use uuid::Uuid;

/// Access token lifetime, seconds.
pub const TOKEN_LIFETIME_SECS: i64 = 3600;
/// Token requests per client id per minute.
pub const TOKEN_REQUESTS_PER_MINUTE: i64 = 10;
/// Failed client authentications one IP may make per 15 minutes.
pub const FAILED_AUTHENTICATIONS_PER_IP: i64 = 20;
const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Why no token was issued (RFC 6749 §5.2).
#[derive(Debug)]
pub enum TokenError {
    /// Unknown client, wrong secret, or a partner that may not authenticate.
    InvalidClient,
    /// A requested scope that is unknown or was not approved (the scope named).
    InvalidScope(String),
    /// Too many requests; whole seconds until the next is allowed.
    RateLimited(u64),
    Internal,
}

impl From<sqlx::Error> for TokenError {
    fn from(e: sqlx::Error) -> Self {
        tracing::error!(error = ?e, "token endpoint database error");
        Self::Internal
    }
}

/// A new access token: opaque, 32 random bytes base64url, stored only as SHA-256.
pub struct IssuedToken {
    pub access_token: String,
    pub scopes: Vec<Scope>,
}

/// Issues an access token to the client `client_id` authenticated by `client_secret`, with
/// the approved scopes or the requested subset `scope` (space-separated, RFC 6749 §3.3).
///
/// Client authentications count per client IP before the secret is checked, and successes
/// are given back ([`FAILED_AUTHENTICATIONS_PER_IP`] failures per 15 minutes, however many
/// arrive at once); tokens count per client ([`TOKEN_REQUESTS_PER_MINUTE`]) only after the client
/// authenticated, so nobody else can spend a client's budget. Secrets are compared as
/// SHA-256 digests of equal length; during a rotation's overlap the previous secret works
/// too. Audited as `token_issued`.
///
/// # Errors
/// [`TokenError`].
#[tracing::instrument(skip_all)]
pub async fn issue_token(
    state: &AppState,
    ctx: &RequestContext,
    client_id: &str,
    client_secret: &str,
    scope: Option<&str>,
) -> Result<IssuedToken, TokenError> {
    let failures = format!("oauth-token-failures:{}", ctx.ip_key());
    // Counted before the work and given back on success: parallel guesses cannot all pass
    // the check before the first failure is recorded (OWASP ASVS 5.0 V6.3.1).
    if let Some(secs) = rate_limit::reserve(
        &state.pool,
        &failures,
        FAILED_AUTHENTICATIONS_PER_IP,
        FAILURE_WINDOW,
    )
    .await?
    {
        return Err(TokenError::RateLimited(secs));
    }
    let mut tx = state.pool.begin().await?;
    let client = repo::client(&mut *tx, client_id).await?;
    // Compare digests of equal length: the time taken says nothing about the secret.
    let presented = secret_hash(client_secret);
    let authenticated = client.and_then(|c| {
        let status = PartnerStatus::parse(&c.status).unwrap_or(PartnerStatus::Draft);
        let presented = Sha256::digest(presented);
        let equals =
            |s: &Option<Vec<u8>>| s.as_ref().is_some_and(|s| Sha256::digest(s) == presented);
        // Both compared every time (`|`, not `||`): the time says nothing about which matched.
        let matches = equals(&c.secret_hash) | equals(&c.previous_secret_hash);
        (matches && status.can_authenticate()).then_some(c)
    });
    let Some(client) = authenticated else {
        tx.rollback().await?;
        tracing::info!("token request with bad client credentials");
        return Err(TokenError::InvalidClient);
    };
    rate_limit::refund(&mut *tx, &failures).await?;
    let partner_id = client.partner_id;
    if let Some(secs) = rate_limit::acquire(
        &mut tx,
        &format!("oauth-token:{partner_id}"),
        TOKEN_REQUESTS_PER_MINUTE,
        Duration::from_secs(60),
    )
    .await?
    {
        tx.commit().await?;
        return Err(TokenError::RateLimited(secs));
    }
    let granted: Vec<Scope> = client
        .scopes
        .iter()
        .filter_map(|s| Scope::parse(s))
        .collect();
    let scopes = match resolve_scopes(scope, &granted) {
        Ok(s) => s,
        Err(e) => {
            tx.commit().await?;
            return Err(e);
        }
    };
    let token = URL_SAFE_NO_PAD.encode(random_32());
    let names: Vec<String> = scopes.iter().map(|s| s.as_str().to_owned()).collect();
    repo::insert_token(
        &mut tx,
        &secret_hash(&token),
        partner_id,
        &names,
        TOKEN_LIFETIME_SECS,
    )
    .await?;
    audit::record(
        &mut *tx,
        Event {
            organisation_id: client.organisation_id,
            subject: Subject::Partner(partner_id, PartnerAction::TokenIssued),
            actor: Actor::PartnerClient(partner_id),
            ctx,
            detail: serde_json::json!({ "scopes": names.join(" ") }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(IssuedToken {
        access_token: token,
        scopes,
    })
}

/// The scopes of a new token: all approved ones, or the requested subset of them.
fn resolve_scopes(requested: Option<&str>, granted: &[Scope]) -> Result<Vec<Scope>, TokenError> {
    match requested.map(str::trim) {
        None | Some("") => Ok(granted.to_vec()),
        Some(requested) => {
            let requested = parse_scope_list(requested).map_err(TokenError::InvalidScope)?;
            match requested.iter().find(|s| !granted.contains(s)) {
                Some(extra) => Err(TokenError::InvalidScope(extra.as_str().to_owned())),
                None => Ok(requested),
            }
        }
    }
}

/// A partner authenticated by a bearer token.
#[derive(Debug)]
pub struct Caller {
    pub partner_id: Uuid,
    pub organisation_id: Uuid,
    pub partner_name: String,
    pub status: PartnerStatus,
    /// The token's scopes.
    pub scopes: Vec<Scope>,
}

/// Why a bearer token was refused.
#[derive(Debug)]
pub enum AuthError {
    /// Unknown, expired or revoked, or the partner may no longer authenticate (RFC 6750 §3.1
    /// `invalid_token`).
    InvalidToken,
    /// Valid, without the scope the call needs (RFC 6750 §3.1 `insufficient_scope`).
    InsufficientScope,
    Internal,
}

impl From<sqlx::Error> for AuthError {
    fn from(e: sqlx::Error) -> Self {
        tracing::error!(error = ?e, "bearer authentication database error");
        Self::Internal
    }
}

/// Authenticates `token` for a call that needs `required`: the one scope check of the partner
/// API. A missing scope is audited as `scope_violation` (with `method` and the route
/// template `route`); a successful call updates the partner's last successful sync.
///
/// # Errors
/// [`AuthError`].
#[tracing::instrument(skip_all, fields(required = required.as_str()))]
pub async fn authenticate(
    state: &AppState,
    ctx: &RequestContext,
    token: &str,
    required: Scope,
    method: &str,
    route: &str,
) -> Result<Caller, AuthError> {
    let holder = repo::token_holder(&state.pool, &secret_hash(token))
        .await?
        .ok_or(AuthError::InvalidToken)?;
    let status = PartnerStatus::parse(&holder.status).unwrap_or(PartnerStatus::Draft);
    if !status.can_authenticate() {
        return Err(AuthError::InvalidToken);
    }
    let scopes: Vec<Scope> = holder
        .scopes
        .iter()
        .filter_map(|s| Scope::parse(s))
        .collect();
    let partner_id = holder.partner_id;
    if !scopes.contains(&required) {
        audit::record(
            &state.pool,
            Event {
                organisation_id: holder.organisation_id,
                subject: Subject::Partner(partner_id, PartnerAction::ScopeViolation),
                actor: Actor::PartnerClient(partner_id),
                ctx,
                detail: serde_json::json!({ "required": required.as_str(),
                                            "method": method, "path": route }),
            },
        )
        .await?;
        tracing::warn!(%partner_id, required = required.as_str(), "partner scope violation");
        return Err(AuthError::InsufficientScope);
    }
    repo::touch_last_sync(&state.pool, partner_id).await?;
    Ok(Caller {
        partner_id,
        organisation_id: holder.organisation_id,
        partner_name: holder.partner_name,
        status,
        scopes,
    })
}

/// The connectivity test: the first successful ping of an approved partner makes it active
/// (audited as `activated`, healthy). Returns the partner's status afterwards.
///
/// # Errors
/// 500 on database failure.
#[tracing::instrument(skip_all, fields(partner_id = %caller.partner_id))]
pub async fn ping(
    state: &AppState,
    ctx: &RequestContext,
    caller: &Caller,
) -> Result<PartnerStatus, AppError> {
    if caller.status != PartnerStatus::Approved {
        return Ok(caller.status);
    }
    let db = AppError::internal::<sqlx::Error>("partner ping failed");
    let mut tx = state.pool.begin().await.map_err(db)?;
    if repo::activate(&mut tx, caller.partner_id)
        .await
        .map_err(db)?
    {
        audit::record(
            &mut *tx,
            Event {
                organisation_id: caller.organisation_id,
                subject: Subject::Partner(caller.partner_id, PartnerAction::Activated),
                actor: Actor::PartnerClient(caller.partner_id),
                ctx,
                detail: serde_json::json!({ "health": "healthy", "by": "ping" }),
            },
        )
        .await
        .map_err(db)?;
        crate::webhooks::service::emit(
            &mut tx,
            caller.partner_id,
            crate::domain::WebhookEventType::PartnerActivated,
            serde_json::json!({ "partner_id": caller.partner_id, "status": "active" }),
        )
        .await
        .map_err(db)?;
    }
    tx.commit().await.map_err(db)?;
    Ok(PartnerStatus::Active)
}

/// Invites a member into the partner's tenant through the admin dialog's path: the shared
/// [`InvitationDraft`] parser, the per-inviter rate limit, the audit event with the partner
/// as actor, and the email through the outbox. Partners may grant only roles that manage
/// nothing. Returns the invitation id.
///
/// # Errors
/// 422 per bad field; otherwise as [`invitations::create`].
#[tracing::instrument(skip_all, fields(partner_id = %caller.partner_id))]
pub async fn create_invitation(
    state: &AppState,
    ctx: &RequestContext,
    caller: &Caller,
    fields: &DraftFields<'_>,
) -> Result<Uuid, AppError> {
    let kind = invitation_repo::organisation(&state.pool, caller.organisation_id)
        .await
        .map_err(AppError::internal(
            "loading the partner's organisation failed",
        ))?
        .and_then(|(_, k)| OrgKind::parse(&k))
        .ok_or(AppError::Internal)?;
    let manages_nothing = |r: crate::domain::Role| {
        if r.can_manage_invitations(kind) || r.can_use_integrations(kind) {
            Err("Partners can invite only roles that manage nothing, such as member.".to_owned())
        } else {
            Ok(())
        }
    };
    let mut errs = FieldErrors::default();
    let invitee = InvitationDraft::parse(fields, Some(kind), manages_nothing, &mut errs);
    errs.finish()?;
    let invitee = invitee.ok_or(AppError::Internal)?;
    let actor = invitations::Actor::Partner {
        id: caller.partner_id,
        name: caller.partner_name.clone(),
    };
    let new = NewInvitation::new(caller.organisation_id, invitee);
    let created = invitations::create(state, &actor, new, ctx).await?;
    Ok(created.id)
}

/// Invitation `id`, if this partner created it.
///
/// # Errors
/// 500 on database failure.
#[tracing::instrument(skip_all)]
pub async fn invitation(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
) -> Result<Option<PartnerInvitation>, AppError> {
    repo::partner_invitation(&state.pool, caller.partner_id, id)
        .await
        .map_err(AppError::internal("loading a partner's invitation failed"))
}

/// Counts of a partner's tenant, without personal data.
#[derive(Debug)]
pub struct MemberCounts {
    /// Members per role name.
    pub members_by_role: BTreeMap<String, i64>,
    /// Invitations per effective status.
    pub invitations_by_status: BTreeMap<String, i64>,
}

/// Counts without personal data: members per role and invitations per effective status of
/// the partner's tenant.
///
/// # Errors
/// 500 on database failure.
#[tracing::instrument(skip_all)]
pub async fn member_stats(state: &AppState, caller: &Caller) -> Result<MemberCounts, AppError> {
    let db = AppError::internal::<sqlx::Error>("partner member stats failed");
    let roles = repo::members_by_role(&state.pool, caller.organisation_id)
        .await
        .map_err(db)?;
    let statuses = repo::invitations_by_status(&state.pool, caller.organisation_id)
        .await
        .map_err(db)?;
    Ok(MemberCounts {
        members_by_role: roles.into_iter().collect(),
        invitations_by_status: statuses.into_iter().collect(),
    })
}
