//! Credential invitations: a single-use link for a partner's tech lead to submit the API key
//! and secret of a provider. The token follows the member-invitation rules (32 random bytes,
//! SHA-256 at rest, single use, expiry); the secret is checked for strength and stored only
//! AES-256-GCM encrypted. Every step emits an `integration_invite` analytics event (stored,
//! and logged as structured JSON) that never carries the secret.

use super::{
    api::{
        CreatedCredentialInvitation, CredentialAccepted, CredentialInvitationDto,
        CredentialInviteView, InviteEventDto,
    },
    repo::{self as partner_repo, PartnerActor},
    service::provider_dto,
};
use crate::{
    auth::session::CurrentUser,
    domain::{
        assess_key, EmailAddress, IntegrationEnvironment, InvitationToken, KeyRequirements,
        PartnerStatus,
    },
    email::{outbox, templates},
    error::{AppError, FieldErrors},
    invitations::service::format_expiry,
    security::RequestContext,
    startup::AppState,
};
use serde_json::json;
use sqlx::{PgExecutor, Row};
use time::OffsetDateTime;
use uuid::Uuid;

/// The analytics events of a credential invitation (`integration_invite` stream).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InviteEvent {
    Viewed,
    SubmitRejected,
    Submitted,
    Accepted,
    Refreshed,
    Expired,
}

impl InviteEvent {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewed => "viewed",
            Self::SubmitRejected => "submit_rejected",
            Self::Submitted => "submitted",
            Self::Accepted => "accepted",
            Self::Refreshed => "refreshed",
            Self::Expired => "expired",
        }
    }
}

/// Facts an analytics event carries besides its name.
struct EventFacts<'a> {
    invitation_id: Uuid,
    provider_id: Uuid,
    environment: &'a str,
}

/// Stores an event and logs it as a structured `integration_invite` record.
async fn emit<'c>(
    db: impl PgExecutor<'c>,
    f: &EventFacts<'_>,
    event: InviteEvent,
    reason_code: Option<&str>,
    elapsed_ms: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO integration_invite_events
             (credential_invitation_id, event, reason_code, provider_id, environment, elapsed_ms)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(f.invitation_id)
    .bind(event.as_str())
    .bind(reason_code)
    .bind(f.provider_id)
    .bind(f.environment)
    .bind(elapsed_ms)
    .execute(db)
    .await?;
    tracing::info!(
        target: "integration_invite",
        event = event.as_str(),
        invitation_id = %f.invitation_id,
        provider_id = %f.provider_id,
        environment = f.environment,
        reason_code,
        elapsed_ms,
        "integration_invite"
    );
    Ok(())
}

/// The credential-invitation link for `token`.
fn link(state: &AppState, token: &InvitationToken) -> String {
    state.config.link(&format!(
        "/integrations/credential-invite/{}",
        token.expose()
    ))
}

/// Creates a credential invitation and queues its email in one transaction.
///
/// # Errors
/// 404 (partner of another tenant), 409 (rejected or decommissioned partner), 422.
pub async fn create(
    state: &AppState,
    user: &CurrentUser,
    ctx: &RequestContext,
    partner_id: Uuid,
    recipient_email: &str,
    environment: &str,
) -> Result<CreatedCredentialInvitation, AppError> {
    let mut errs = FieldErrors::default();
    let email = errs.check("recipient_email", EmailAddress::parse(recipient_email));
    let env = errs.check(
        "environment",
        IntegrationEnvironment::parse(environment).ok_or("Choose an environment."),
    );
    errs.finish()?;
    let (Some(email), Some(env)) = (email, env) else {
        return Err(AppError::Internal);
    };
    let db = AppError::internal::<sqlx::Error>("creating a credential invitation failed");
    let mut tx = state.pool.begin().await.map_err(db)?;
    let p = partner_repo::partner_for_update(&mut tx, partner_id, user.org_id)
        .await
        .map_err(db)?
        .ok_or_else(|| AppError::NotFound("There is no such partner.".into()))?;
    let status = PartnerStatus::parse(&p.status).unwrap_or(PartnerStatus::Draft);
    if matches!(
        status,
        PartnerStatus::Rejected | PartnerStatus::Decommissioned
    ) {
        return Err(AppError::Conflict(format!(
            "A partner that is {} cannot receive credential invitations.",
            status.label().to_lowercase()
        )));
    }
    let provider = partner_repo::provider(&mut *tx, p.provider_id)
        .await
        .map_err(db)?
        .ok_or(AppError::Internal)?;
    provider
        .offers(env)
        .map_err(|m| AppError::field("environment", m))?;
    let id = Uuid::new_v4();
    let token = InvitationToken::generate();
    let expires_at = OffsetDateTime::now_utc() + state.config.invitation_ttl;
    sqlx::query(
        "INSERT INTO credential_invitations (id, partner_id, provider_id, environment,
                recipient_email, token_hash, expires_at, created_by, created_ip,
                created_user_agent, created_request_id)
         VALUES ($1, $2, $3, $4, $5::citext, $6, $7, $8, $9::inet, $10, $11)",
    )
    .bind(id)
    .bind(partner_id)
    .bind(provider.id)
    .bind(env.as_str())
    .bind(email.as_str())
    .bind(&token.hash().0[..])
    .bind(expires_at)
    .bind(user.user_id)
    .bind(ctx.ip.map(|ip| ip.to_string()))
    .bind(ctx.user_agent.as_deref())
    .bind(ctx.request_id.as_deref())
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    let link = link(state, &token);
    let rendered = templates::credential_invitation(&templates::CredentialInvitationEmail {
        partner: &p.name,
        organisation: &user.org_name,
        provider: &provider.name,
        environment: env.label(),
        link: &link,
        expires: &format_expiry(expires_at),
    });
    outbox::enqueue(&mut tx, email.as_str(), &rendered, None)
        .await
        .map_err(db)?;
    partner_repo::audit(
        &mut *tx,
        partner_id,
        user.org_id,
        "credential_invitation_created",
        PartnerActor::User(user.user_id),
        ctx,
        json!({ "credential_invitation_id": id, "recipient": email.as_str(),
                "provider": provider.name, "environment": env.as_str() }),
    )
    .await
    .map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok(CreatedCredentialInvitation {
        id,
        link,
        expires_at: expires_at.unix_timestamp(),
    })
}

/// The credential invitations of a partner, newest first.
///
/// # Errors
/// 500 on database failure.
pub async fn list(
    state: &AppState,
    partner_id: Uuid,
) -> Result<Vec<CredentialInvitationDto>, AppError> {
    let rows = sqlx::query(
        "SELECT id, recipient_email::text AS recipient_email, environment,
                CASE WHEN status = 'pending' AND expires_at <= now() THEN 'expired' ELSE status END AS status,
                expires_at, created_at, refresh_count, accepted_at, api_key_id, rotation_days,
                rotation_due_at
           FROM credential_invitations WHERE partner_id = $1 ORDER BY created_at DESC",
    )
    .bind(partner_id)
    .fetch_all(&state.pool)
    .await
    .map_err(AppError::internal::<sqlx::Error>("listing credential invitations failed"))?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let status: String = r.get("status");
            CredentialInvitationDto {
                id: r.get("id"),
                recipient_email: r.get("recipient_email"),
                environment: IntegrationEnvironment::parse(r.get("environment"))
                    .unwrap_or(IntegrationEnvironment::Sandbox),
                can_refresh: matches!(status.as_str(), "pending" | "expired"),
                status,
                expires_at: r.get::<OffsetDateTime, _>("expires_at").unix_timestamp(),
                created_at: r.get::<OffsetDateTime, _>("created_at").unix_timestamp(),
                refresh_count: r.get("refresh_count"),
                accepted_at: r
                    .get::<Option<OffsetDateTime>, _>("accepted_at")
                    .map(|t| t.unix_timestamp()),
                api_key_id: r.get("api_key_id"),
                rotation_days: r.get("rotation_days"),
                rotation_due_at: r
                    .get::<Option<OffsetDateTime>, _>("rotation_due_at")
                    .map(|t| t.unix_timestamp()),
            }
        })
        .collect())
}

/// A credential invitation of the caller's tenant: (partner id, provider id, environment,
/// status, created context).
struct OwnedInvitation {
    partner_id: Uuid,
    provider_id: Uuid,
    environment: String,
    status: String,
    created_ip: Option<String>,
    created_user_agent: Option<String>,
    created_request_id: Option<String>,
}

async fn owned(
    conn: &mut sqlx::PgConnection,
    user: &CurrentUser,
    id: Uuid,
) -> Result<OwnedInvitation, AppError> {
    let row = sqlx::query(
        "SELECT c.partner_id, c.provider_id, c.environment, c.status, host(c.created_ip) AS created_ip,
                c.created_user_agent, c.created_request_id
           FROM credential_invitations c JOIN partners p ON p.id = c.partner_id
          WHERE c.id = $1 AND p.organisation_id = $2 FOR UPDATE OF c",
    )
    .bind(id)
    .bind(user.org_id)
    .fetch_optional(conn)
    .await
    .map_err(AppError::internal::<sqlx::Error>("loading a credential invitation failed"))?
    .ok_or_else(|| AppError::NotFound("There is no such credential invitation.".into()))?;
    Ok(OwnedInvitation {
        partner_id: row.get("partner_id"),
        provider_id: row.get("provider_id"),
        environment: row.get("environment"),
        status: row.get("status"),
        created_ip: row.get("created_ip"),
        created_user_agent: row.get("created_user_agent"),
        created_request_id: row.get("created_request_id"),
    })
}

/// Extends an unused invitation (expired or not) by the invitation lifetime from now, on the
/// same token. The audit payload replays the original request context.
///
/// # Errors
/// 404, 409 (accepted or revoked).
pub async fn refresh(
    state: &AppState,
    user: &CurrentUser,
    ctx: &RequestContext,
    id: Uuid,
) -> Result<(), AppError> {
    let db = AppError::internal::<sqlx::Error>("refreshing a credential invitation failed");
    let mut tx = state.pool.begin().await.map_err(db)?;
    let inv = owned(&mut tx, user, id).await?;
    if inv.status != "pending" {
        return Err(AppError::Conflict(format!(
            "This credential invitation was {} and cannot be refreshed.",
            inv.status
        )));
    }
    let expires_at = OffsetDateTime::now_utc() + state.config.invitation_ttl;
    sqlx::query(
        "UPDATE credential_invitations SET expires_at = $2, refresh_count = refresh_count + 1
          WHERE id = $1",
    )
    .bind(id)
    .bind(expires_at)
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    emit(
        &mut *tx,
        &EventFacts {
            invitation_id: id,
            provider_id: inv.provider_id,
            environment: &inv.environment,
        },
        InviteEvent::Refreshed,
        None,
        None,
    )
    .await
    .map_err(db)?;
    partner_repo::audit(
        &mut *tx,
        inv.partner_id,
        user.org_id,
        "credential_invitation_refreshed",
        PartnerActor::User(user.user_id),
        ctx,
        json!({ "credential_invitation_id": id,
                "expires_at": crate::components::format_utc(expires_at.unix_timestamp()),
                "original_context": { "ip": inv.created_ip, "user_agent": inv.created_user_agent,
                                      "request_id": inv.created_request_id } }),
    )
    .await
    .map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok(())
}

/// Withdraws an unused invitation: its link stops working at once. Audited.
///
/// # Errors
/// 404, 409 (accepted or already revoked).
pub async fn revoke(
    state: &AppState,
    user: &CurrentUser,
    ctx: &RequestContext,
    id: Uuid,
) -> Result<(), AppError> {
    let db = AppError::internal::<sqlx::Error>("revoking a credential invitation failed");
    let mut tx = state.pool.begin().await.map_err(db)?;
    let inv = owned(&mut tx, user, id).await?;
    if inv.status != "pending" {
        return Err(AppError::Conflict(format!(
            "This credential invitation was {} and cannot be revoked.",
            inv.status
        )));
    }
    sqlx::query(
        "UPDATE credential_invitations SET status = 'revoked', revoked_at = now() WHERE id = $1",
    )
    .bind(id)
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    partner_repo::audit(
        &mut *tx,
        inv.partner_id,
        user.org_id,
        "credential_invitation_revoked",
        PartnerActor::User(user.user_id),
        ctx,
        json!({ "credential_invitation_id": id }),
    )
    .await
    .map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok(())
}

/// The analytics events of an invitation of the caller's tenant.
///
/// # Errors
/// 404.
pub async fn events(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
) -> Result<Vec<InviteEventDto>, AppError> {
    let rows = sqlx::query(
        "SELECT e.event, e.reason_code, e.elapsed_ms, e.occurred_at
           FROM integration_invite_events e
           JOIN credential_invitations c ON c.id = e.credential_invitation_id
           JOIN partners p ON p.id = c.partner_id
          WHERE e.credential_invitation_id = $1 AND p.organisation_id = $2
          ORDER BY e.id",
    )
    .bind(id)
    .bind(user.org_id)
    .fetch_all(&state.pool)
    .await
    .map_err(AppError::internal::<sqlx::Error>(
        "loading invitation events failed",
    ))?;
    Ok(rows
        .into_iter()
        .map(|r| InviteEventDto {
            event: r.get("event"),
            reason_code: r.get("reason_code"),
            elapsed_ms: r.get("elapsed_ms"),
            at: r.get::<OffsetDateTime, _>("occurred_at").unix_timestamp(),
        })
        .collect())
}

/// Every analytics event of a partner's credential invitations as JSON lines (one object per
/// line: `event`, `credential_invitation_id`, `provider_id`, `provider`, `environment`,
/// `reason_code`, `elapsed_ms`, `occurred_at` RFC 3339 UTC).
///
/// # Errors
/// 404 for a partner of another tenant.
pub async fn export_jsonl(
    state: &AppState,
    user: &CurrentUser,
    partner_id: Uuid,
) -> Result<String, AppError> {
    let db = AppError::internal::<sqlx::Error>("exporting invitation events failed");
    partner_repo::partner(&state.pool, partner_id, user.org_id)
        .await
        .map_err(db)?
        .ok_or_else(|| AppError::NotFound("There is no such partner.".into()))?;
    let rows = sqlx::query(
        "SELECT e.event, e.credential_invitation_id, e.provider_id, v.name AS provider,
                e.environment, e.reason_code, e.elapsed_ms, e.occurred_at
           FROM integration_invite_events e
           JOIN credential_invitations c ON c.id = e.credential_invitation_id
           JOIN integration_providers v ON v.id = e.provider_id
          WHERE c.partner_id = $1 ORDER BY e.id",
    )
    .bind(partner_id)
    .fetch_all(&state.pool)
    .await
    .map_err(db)?;
    let mut out = String::new();
    for r in rows {
        let at: OffsetDateTime = r.get("occurred_at");
        let line = json!({
            "event": r.get::<String, _>("event"),
            "credential_invitation_id": r.get::<Uuid, _>("credential_invitation_id"),
            "provider_id": r.get::<Uuid, _>("provider_id"),
            "provider": r.get::<String, _>("provider"),
            "environment": r.get::<String, _>("environment"),
            "reason_code": r.get::<Option<String>, _>("reason_code"),
            "elapsed_ms": r.get::<Option<i64>, _>("elapsed_ms"),
            "occurred_at": at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        });
        out.push_str(&line.to_string());
        out.push('\n');
    }
    Ok(out)
}

/// A pending invitation found by token.
struct Found {
    id: Uuid,
    partner_id: Uuid,
    organisation_id: Uuid,
    partner_name: String,
    organisation_name: String,
    provider_id: Uuid,
    environment: String,
    status: String,
    overdue: bool,
    expires_at: OffsetDateTime,
    first_viewed_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
}

async fn find<'c>(
    db: impl PgExecutor<'c>,
    token: &InvitationToken,
    lock: bool,
) -> Result<Option<Found>, sqlx::Error> {
    let sql = format!(
        "SELECT c.id, c.partner_id, p.organisation_id, p.name AS partner_name, o.name AS org_name,
                c.provider_id, c.environment, c.status, c.expires_at <= now() AS overdue,
                c.expires_at, c.first_viewed_at, now() AS now
           FROM credential_invitations c
           JOIN partners p ON p.id = c.partner_id
           JOIN organisations o ON o.id = p.organisation_id
          WHERE c.token_hash = $1 {}",
        if lock { "FOR UPDATE OF c" } else { "" }
    );
    let row = sqlx::query(&sql)
        .bind(&token.hash().0[..])
        .fetch_optional(db)
        .await?;
    Ok(row.map(|r| Found {
        id: r.get("id"),
        partner_id: r.get("partner_id"),
        organisation_id: r.get("organisation_id"),
        partner_name: r.get("partner_name"),
        organisation_name: r.get("org_name"),
        provider_id: r.get("provider_id"),
        environment: r.get("environment"),
        status: r.get("status"),
        overdue: r.get("overdue"),
        expires_at: r.get("expires_at"),
        first_viewed_at: r.get("first_viewed_at"),
        now: r.get("now"),
    }))
}

/// Why a credential link does not work: 404 unknown, 410 expired, 409 used, 410 revoked.
async fn dead_link<'c>(db: impl PgExecutor<'c>, f: &Found) -> Result<AppError, sqlx::Error> {
    Ok(match f.status.as_str() {
        "accepted" => AppError::Conflict(
            "Credentials were already submitted with this link. It cannot be used again.".into(),
        ),
        "revoked" => AppError::Gone("This credential invitation was withdrawn.".into()),
        _ => {
            emit(
                db,
                &EventFacts {
                    invitation_id: f.id,
                    provider_id: f.provider_id,
                    environment: &f.environment,
                },
                InviteEvent::Expired,
                None,
                None,
            )
            .await?;
            AppError::Gone(
                "This credential invitation has expired. Ask your contact to refresh it; the same link will work again."
                    .into(),
            )
        }
    })
}

fn unknown_link() -> AppError {
    AppError::NotFound("This credential link is not valid. Check that you copied all of it.".into())
}

/// The public page's data; records `viewed` (and the first view time). Never spends the token.
///
/// # Errors
/// 404 unknown, 409 used, 410 expired or revoked.
pub async fn view(state: &AppState, token: &str) -> Result<CredentialInviteView, AppError> {
    let db = AppError::internal::<sqlx::Error>("opening a credential invitation failed");
    let token = InvitationToken::parse(token).ok_or_else(unknown_link)?;
    let f = find(&state.pool, &token, false)
        .await
        .map_err(db)?
        .ok_or_else(unknown_link)?;
    if f.status != "pending" || f.overdue {
        return Err(dead_link(&state.pool, &f).await.map_err(db)?);
    }
    let provider = partner_repo::provider(&state.pool, f.provider_id)
        .await
        .map_err(db)?
        .ok_or(AppError::Internal)?;
    sqlx::query(
        "UPDATE credential_invitations SET first_viewed_at = COALESCE(first_viewed_at, now())
          WHERE id = $1",
    )
    .bind(f.id)
    .execute(&state.pool)
    .await
    .map_err(db)?;
    emit(
        &state.pool,
        &EventFacts {
            invitation_id: f.id,
            provider_id: f.provider_id,
            environment: &f.environment,
        },
        InviteEvent::Viewed,
        None,
        None,
    )
    .await
    .map_err(db)?;
    let rotation_days = provider.rotation_days;
    Ok(CredentialInviteView {
        partner_name: f.partner_name,
        organisation_name: f.organisation_name,
        environment: IntegrationEnvironment::parse(&f.environment)
            .unwrap_or(IntegrationEnvironment::Sandbox),
        expires_at: f.expires_at.unix_timestamp(),
        now: f.now.unix_timestamp(),
        rotation_due_if_accepted_now: (f.now + time::Duration::days(rotation_days.into()))
            .unix_timestamp(),
        provider: provider_dto(provider),
    })
}

/// The associated data a partner's secret is sealed with: `partner:<id>:api_secret`. A
/// ciphertext copied to another partner's row does not decrypt there.
pub fn secret_aad(partner_id: Uuid) -> Vec<u8> {
    format!("partner:{partner_id}:api_secret").into_bytes()
}

/// The submitted form.
pub struct Submission {
    pub api_key_id: String,
    pub secret: secrecy::SecretString,
    pub secret_confirmation: secrecy::SecretString,
}

/// Checks and accepts credentials: key strength against the provider's requirements (the same
/// validator the browser runs), then in one transaction spends the token, encrypts the secret
/// (AES-256-GCM, associated data `partner:<id>:api_secret`), stores rotation metadata and
/// audits with the request context, actor and provider. Refusals emit `submit_rejected` with
/// a reason code and change nothing else.
///
/// # Errors
/// 404/409/410 for dead links; 422 per bad field (every strength problem is named).
pub async fn submit(
    state: &AppState,
    ctx: &RequestContext,
    token: &str,
    s: Submission,
) -> Result<CredentialAccepted, AppError> {
    use secrecy::ExposeSecret;
    let db = AppError::internal::<sqlx::Error>("accepting credentials failed");
    let token = InvitationToken::parse(token).ok_or_else(unknown_link)?;
    let mut tx = state.pool.begin().await.map_err(db)?;
    let f = find(&mut *tx, &token, true)
        .await
        .map_err(db)?
        .ok_or_else(unknown_link)?;
    if f.status != "pending" || f.overdue {
        let e = dead_link(&mut *tx, &f).await.map_err(db)?;
        tx.commit().await.map_err(db)?;
        return Err(e);
    }
    let provider = partner_repo::provider(&mut *tx, f.provider_id)
        .await
        .map_err(db)?
        .ok_or(AppError::Internal)?;
    let facts = EventFacts {
        invitation_id: f.id,
        provider_id: f.provider_id,
        environment: &f.environment,
    };
    let elapsed_ms = f
        .first_viewed_at
        .map(|v| (f.now - v).whole_milliseconds() as i64);
    let mut errs = FieldErrors::default();
    let mut reason: Option<&'static str> = None;
    let key_id = s.api_key_id.trim();
    if key_id.is_empty() || key_id.chars().count() > 200 || key_id.chars().any(char::is_control) {
        errs.add(
            "api_key_id",
            "Enter the key ID (at most 200 characters, one line).",
        );
        reason = Some("bad_key_id");
    }
    let requirements = KeyRequirements {
        min_length: provider.min_key_length as usize,
        min_entropy_bits: provider.min_entropy_bits as u32,
    };
    let assessment = assess_key(s.secret.expose_secret(), &requirements);
    if let Some(first) = assessment.problems.first() {
        let message = assessment
            .problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" ");
        errs.add("secret", message);
        reason = Some(first.code());
    }
    if s.secret.expose_secret() != s.secret_confirmation.expose_secret() {
        errs.add("secret_confirmation", "The two secrets do not match.");
        reason = reason.or(Some("confirmation_mismatch"));
    }
    if let Some(code) = reason {
        emit(
            &mut *tx,
            &facts,
            InviteEvent::SubmitRejected,
            Some(code),
            elapsed_ms,
        )
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        return Err(errs.finish().err().unwrap_or(AppError::Internal));
    }
    emit(&mut *tx, &facts, InviteEvent::Submitted, None, elapsed_ms)
        .await
        .map_err(db)?;
    let sealed = state.config.encryption_keys.seal(
        s.secret.expose_secret().as_bytes(),
        &secret_aad(f.partner_id),
    );
    let rotation_due: OffsetDateTime = sqlx::query_scalar(
        "UPDATE credential_invitations
            SET status = 'accepted', accepted_at = now(), api_key_id = $2, secret_ciphertext = $3,
                secret_nonce = $4, secret_key_id = $5, rotation_days = $6,
                rotation_due_at = now() + make_interval(days => $6)
          WHERE id = $1 AND status = 'pending'
      RETURNING rotation_due_at",
    )
    .bind(f.id)
    .bind(key_id)
    .bind(&sealed.ciphertext)
    .bind(&sealed.nonce)
    .bind(&sealed.key_id)
    .bind(provider.rotation_days)
    .fetch_one(&mut *tx)
    .await
    .map_err(db)?;
    emit(&mut *tx, &facts, InviteEvent::Accepted, None, elapsed_ms)
        .await
        .map_err(db)?;
    partner_repo::audit(
        &mut *tx,
        f.partner_id,
        f.organisation_id,
        "credentials_accepted",
        PartnerActor::Invitee,
        ctx,
        json!({ "credential_invitation_id": f.id, "provider": provider.name,
                "provider_id": provider.id, "environment": f.environment,
                "api_key_id": key_id, "encryption_key_id": sealed.key_id,
                "rotation_due_at": crate::components::format_utc(rotation_due.unix_timestamp()),
                "request": { "ip": ctx.ip.map(|ip| ip.to_string()),
                             "user_agent": ctx.user_agent, "request_id": ctx.request_id } }),
    )
    .await
    .map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok(CredentialAccepted {
        rotation_days: provider.rotation_days,
        rotation_due_at: rotation_due.unix_timestamp(),
    })
}

#[cfg(test)]
mod tests {
    use super::secret_aad;
    use crate::crypto::EncryptionKeys;
    use uuid::Uuid;

    #[test]
    fn a_secret_round_trips_and_fails_under_another_partner() {
        let keys = EncryptionKeys::single("k1", [4; 32]);
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let sealed = keys.seal(b"q3ZL8vN2xR7tK9mW4pB6yH1jD5sF0gCe", &secret_aad(a));
        assert_eq!(
            keys.open(&sealed, &secret_aad(a)).unwrap(),
            b"q3ZL8vN2xR7tK9mW4pB6yH1jD5sF0gCe"
        );
        assert!(keys.open(&sealed, &secret_aad(b)).is_err());
        assert!(!sealed.ciphertext.windows(8).any(|w| w == b"q3ZL8vN2"));
    }
}
