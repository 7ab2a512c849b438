//! The rules of API tokens: who may make one (invitation managers, for their own
//! organisation, with a role no higher than their own), how long it lives, revocation, and
//! authenticating a presented token.

use super::{
    dto::{CreatedToken, TokenChoices, TokenStatus, TokenSummary},
    repo::{self, NewToken},
};
use crate::{
    audit::{self, Actor, ApiTokenAction, Event, Subject},
    auth::session::CurrentUser,
    crypto::{random_32, secret_hash},
    domain::{OrgKind, Role},
    error::{AppError, FieldErrors},
    security::RequestContext,
    state::AppState,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde_json::json;
use uuid::Uuid;

/// The prefix of every token, so that secret scanners and people recognise one.
pub const TOKEN_PREFIX: &str = "gh_at_";
/// Lifetime presets, in days.
pub const EXPIRY_DAYS: [i64; 4] = [7, 30, 90, 365];
/// Longest token name, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// What "Create token" may offer `user`.
pub fn options(user: &CurrentUser) -> TokenChoices {
    TokenChoices {
        organisation_name: user.org_name.clone(),
        roles: crate::invitations::service::role_options(user, user.org_kind),
        expiry_days: EXPIRY_DAYS
            .iter()
            .map(|d| (*d, format!("{d} days")))
            .collect(),
    }
}

/// Makes a token named `name` for `user`'s organisation with `role` (one `user` may grant)
/// living `expires_in_days` (one of [`EXPIRY_DAYS`]). Audited; the token is in the answer
/// only.
///
/// # Errors
/// 422 with a sentence per bad field; 500 on database failure.
#[tracing::instrument(skip_all)]
pub async fn create(
    state: &AppState,
    user: &CurrentUser,
    ctx: &RequestContext,
    name: &str,
    role: &str,
    expires_in_days: &str,
) -> Result<CreatedToken, AppError> {
    let mut errs = FieldErrors::default();
    let name = name.trim();
    if name.is_empty() {
        errs.add(
            "name",
            "Give the token a name, for example the system that will use it.",
        );
    } else if name.chars().count() > MAX_NAME_CHARS {
        errs.add("name", format!("Use at most {MAX_NAME_CHARS} characters."));
    }
    let grantable = user.role.grantable_roles(user.org_kind, user.org_kind);
    let role = errs.check(
        "role",
        Role::parse_for(role, user.org_kind).and_then(|r| {
            if grantable.contains(&r) {
                Ok(r)
            } else {
                Err("A token cannot have a role higher than yours.".to_owned())
            }
        }),
    );
    let days = errs.check(
        "expires_in_days",
        expires_in_days
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|d| EXPIRY_DAYS.contains(d))
            .ok_or("Choose 7, 30, 90 or 365 days."),
    );
    errs.finish()?;
    let (Some(role), Some(days)) = (role, days) else {
        return Err(AppError::Internal);
    };
    let token = format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(random_32()));
    let id = Uuid::new_v4();
    let expires_at = time::OffsetDateTime::now_utc() + time::Duration::days(days);
    let db = AppError::internal::<sqlx::Error>("creating an API token failed");
    let mut tx = state.pool.begin().await.map_err(db)?;
    repo::insert(
        &mut tx,
        &NewToken {
            id,
            organisation_id: user.org_id,
            name,
            role: role.as_str(),
            token_hash: &secret_hash(&token),
            created_by: user.user_id,
            expires_at,
        },
    )
    .await
    .map_err(db)?;
    audit::record(
        &mut *tx,
        Event {
            organisation_id: user.org_id,
            subject: Subject::ApiToken(id, ApiTokenAction::Created),
            actor: Actor::User(user.user_id),
            ctx,
            detail: json!({ "name": name, "role": role.as_str(),
                "expires_at": crate::domain::rfc3339(expires_at) }),
        },
    )
    .await
    .map_err(db)?;
    tx.commit().await.map_err(db)?;
    tracing::info!(token_id = %id, "API token created");
    Ok(CreatedToken {
        id,
        name: name.to_owned(),
        token,
        expires_at: expires_at.unix_timestamp(),
    })
}

/// `user`'s organisation's tokens, newest first.
///
/// # Errors
/// 500 on database failure.
pub async fn list(state: &AppState, user: &CurrentUser) -> Result<Vec<TokenSummary>, AppError> {
    let rows = repo::list(&state.pool, user.org_id)
        .await
        .map_err(AppError::internal("listing API tokens failed"))?;
    Ok(rows
        .into_iter()
        .map(|r| TokenSummary {
            id: r.id,
            role_label: Role::parse_for(&r.role, user.org_kind)
                .map(|role| role.label(user.org_kind).to_owned())
                .unwrap_or(r.role),
            status: match (r.revoked_at, r.expired) {
                (Some(_), _) => TokenStatus::Revoked,
                (None, true) => TokenStatus::Expired,
                (None, false) => TokenStatus::Active,
            },
            name: r.name,
            created_by: r.created_by,
            created_at: r.created_at.unix_timestamp(),
            expires_at: r.expires_at.unix_timestamp(),
            last_used_at: r.last_used_at.map(|t| t.unix_timestamp()),
        })
        .collect())
}

/// Revokes token `id` of `user`'s organisation: it gets 401 from the next request on. Audited.
///
/// # Errors
/// 404 for a token of another organisation or none; 409 when already revoked.
#[tracing::instrument(skip_all)]
pub async fn revoke(
    state: &AppState,
    user: &CurrentUser,
    ctx: &RequestContext,
    id: Uuid,
) -> Result<(), AppError> {
    let db = AppError::internal::<sqlx::Error>("revoking an API token failed");
    let mut tx = state.pool.begin().await.map_err(db)?;
    let Some(name) = repo::revoke(&mut tx, id, user.org_id).await.map_err(db)? else {
        return Err(
            if repo::exists(&mut *tx, id, user.org_id).await.map_err(db)? {
                AppError::Conflict("This token is already revoked.".into())
            } else {
                AppError::NotFound("There is no such API token.".into())
            },
        );
    };
    audit::record(
        &mut *tx,
        Event {
            organisation_id: user.org_id,
            subject: Subject::ApiToken(id, ApiTokenAction::Revoked),
            actor: Actor::User(user.user_id),
            ctx,
            detail: json!({ "name": name }),
        },
    )
    .await
    .map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok(())
}

/// Who a presented bearer token acts as: the token's id and its creator as a [`CurrentUser`]
/// with the token's role (not the creator's).
///
/// # Errors
/// 401 [`AppError::Unauthenticated`] for anything that is not a live token (malformed,
/// unknown, revoked, expired, or its creator no longer a member); 503/500 on database failure.
pub async fn authenticate(
    state: &AppState,
    presented: &str,
) -> Result<(Uuid, CurrentUser), AppError> {
    if !presented.starts_with(TOKEN_PREFIX) || presented.len() > 100 {
        return Err(AppError::Unauthenticated);
    }
    let db = AppError::internal::<sqlx::Error>("authenticating an API token failed");
    let mut conn = state.pool.acquire().await.map_err(db)?;
    let p = repo::authenticate(&mut conn, &secret_hash(presented))
        .await
        .map_err(db)?
        .ok_or(AppError::Unauthenticated)?;
    let org_kind = OrgKind::parse(&p.org_kind).ok_or(AppError::Internal)?;
    let role = Role::parse_for(&p.token_role, org_kind).map_err(|_| AppError::Internal)?;
    Ok((
        p.token_id,
        CurrentUser {
            user_id: p.user_id,
            email: p.email,
            first_name: p.first_name,
            last_name: p.last_name,
            org_id: p.org_id,
            org_name: p.org_name,
            org_kind,
            role,
        },
    ))
}
