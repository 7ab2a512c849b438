//! Server functions for invite codes, and the DTOs they return.
//!
//! Management (`invite-codes/options|create|list|reveal|revoke`) requires a session whose role
//! may manage invitations and always acts on the session's organisation. Redemption
//! (`keys/challenge`, `invite-codes/redeem`) is public: it is throttled per client IP and
//! globally, and proves possession of the new member's key with a signed challenge.

use crate::{
    domain::{ChallengePurpose, SigningChallenge},
    error::AppError,
};
use leptos::prelude::*;
use uuid::Uuid;

pub use super::dto::*;

/// The people who manage invitations manage invite codes too.
#[cfg(feature = "ssr")]
mod server {
    pub use crate::invitations::api::invitation_manager as manager;
}

/// What the caller may choose in "Create Invite".
#[server(prefix = "/rpc", endpoint = "invite-codes/options")]
pub async fn invite_code_options() -> Result<CodeChoices, AppError> {
    use crate::{domain::CodeExpiry, invitations::api::RoleOption};
    let (_, user, _) = server::manager().await?;
    Ok(CodeChoices {
        organisation_name: user.org_name.clone(),
        roles: user
            .role
            .code_grantable_roles(user.org_kind)
            .into_iter()
            .map(|r| RoleOption {
                value: r,
                label: r.label(user.org_kind).to_owned(),
            })
            .collect(),
        expiry_days: CodeExpiry::ALL
            .iter()
            .map(|e| (e.days(), e.label()))
            .collect(),
    })
}

/// Creates `count` (default 1, at most 100) invite codes with the same settings in the
/// caller's organisation: `role` (one the caller may grant that manages nothing:
/// [`crate::domain::Role::code_grantable_roles`]), `expires_in_days` (1, 3, 7, 14 or
/// 30), `max_uses` (1 to 500) and an optional `note` (at most 200 characters). Each creation is
/// audited.
///
/// # Errors
/// 422 with a message per bad field; 401/403 without a managing session.
#[server(prefix = "/rpc", endpoint = "invite-codes/create")]
pub async fn create_invite_codes(
    role: String,
    expires_in_days: String,
    max_uses: String,
    note: Option<String>,
    count: Option<String>,
) -> Result<CreatedCodes, AppError> {
    use crate::{
        domain::{parse_batch_size, parse_max_uses, CodeExpiry, OptionalText, Role},
        error::FieldErrors,
        invite_codes::service::{self, NewCodes},
    };
    let (state, user, ctx) = server::manager().await?;
    let mut errs = FieldErrors::default();
    let grantable = user.role.code_grantable_roles(user.org_kind);
    let role = errs.check(
        "role",
        Role::parse_for(&role, user.org_kind).and_then(|r| {
            if grantable.contains(&r) {
                Ok(r)
            } else if r.manages_anything(user.org_kind) {
                Err("Invite codes cannot grant a managing role. Invite this person by email instead.".to_owned())
            } else {
                Err("You cannot grant this role.".to_owned())
            }
        }),
    );
    let expiry = errs.check("expires_in_days", CodeExpiry::parse(&expires_in_days));
    let max_uses = errs.check("max_uses", parse_max_uses(&max_uses));
    let note = errs.check(
        "note",
        OptionalText::parse(note.as_deref().unwrap_or(""), 200),
    );
    let count = errs.check(
        "count",
        parse_batch_size(
            count
                .as_deref()
                .filter(|c| !c.trim().is_empty())
                .unwrap_or("1"),
        ),
    );
    errs.finish()?;
    let (Some(role), Some(expiry), Some(max_uses), Some(note), Some(count)) =
        (role, expiry, max_uses, note, count)
    else {
        return Err(AppError::Internal);
    };
    service::create(
        &state,
        &user,
        &ctx,
        NewCodes {
            role,
            expiry,
            max_uses,
            note: note.into_inner(),
            count,
        },
    )
    .await
}

/// The newest [`LIST_LIMIT`] codes of the caller's organisation, newest first. `status`
/// filters by effective status (`active`, `expired`, `used`, `revoked`); empty for all.
#[server(prefix = "/rpc", endpoint = "invite-codes/list")]
pub async fn list_invite_codes(status: Option<String>) -> Result<CodeList, AppError> {
    let (state, user, _) = server::manager().await?;
    crate::invite_codes::service::list(&state, &user, status.as_deref().unwrap_or("")).await
}

/// Shows a code of the caller's organisation again (with its URL and QR code). Audited as
/// `revealed`.
///
/// # Errors
/// 404 for a code outside the caller's organisation.
#[server(prefix = "/rpc", endpoint = "invite-codes/reveal")]
pub async fn reveal_invite_code(id: Uuid) -> Result<ShareableCode, AppError> {
    let (state, user, ctx) = server::manager().await?;
    crate::invite_codes::service::reveal(&state, &user, &ctx, id).await
}

/// Revokes a code of the caller's organisation at once; later redemptions are refused.
/// Audited as `revoked`.
///
/// # Errors
/// 404 for a code outside the caller's organisation, 409 if it was already revoked.
#[server(prefix = "/rpc", endpoint = "invite-codes/revoke")]
pub async fn revoke_invite_code(id: Uuid) -> Result<(), AppError> {
    let (state, user, ctx) = server::manager().await?;
    crate::invite_codes::service::revoke(&state, &user, &ctx, id).await
}

/// A new single-use challenge for `purpose`, valid for five minutes. Public; at most 30 per
/// client IP per minute.
///
/// # Errors
/// 429 past the limit.
#[server(prefix = "/rpc", endpoint = "keys/challenge")]
pub async fn key_challenge(purpose: ChallengePurpose) -> Result<SigningChallenge, AppError> {
    use crate::security::RequestContext;
    let ctx = RequestContext::current();
    let (state, _) = crate::auth::session::load().await?;
    crate::auth::keys::issue(&state, &ctx, purpose).await
}

/// Redeems an invite code: checks that `signature` (base64url Ed25519) over the challenge
/// message verifies with `public_key` (base64url), spends one use of `code`, creates the
/// member (no password; the key and its did:key) with the code's role, audits it and signs the
/// new member in. All in one transaction.
///
/// # Errors
/// 422 for malformed input (per field); 404 unknown code; 410 expired, used-up or revoked code
/// (each with its own sentence); 401 for a signature that does not verify; 409 if the key
/// already has an account; 429 after repeated failures from one IP or overall.
#[server(prefix = "/rpc", endpoint = "invite-codes/redeem")]
pub async fn redeem_invite_code(
    code: String,
    display_name: String,
    public_key: String,
    challenge_id: Uuid,
    signature: String,
) -> Result<JoinOutcome, AppError> {
    use crate::{
        domain::{parse_public_key, InviteCode, PersonName},
        error::FieldErrors,
        invite_codes::service::{self, Redemption},
        security::RequestContext,
    };
    let ctx = RequestContext::current();
    let (state, web_session) = crate::auth::session::load().await?;
    let mut errs = FieldErrors::default();
    let code = errs.check("code", InviteCode::parse(&code));
    let name = errs.check("display_name", PersonName::parse(&display_name));
    let key = errs.check("public_key", parse_public_key(&public_key));
    errs.finish()?;
    let (Some(code), Some(name), Some(public_key)) = (code, name, key) else {
        return Err(AppError::Internal);
    };
    let outcome = service::redeem(
        &state,
        &ctx,
        Redemption {
            code,
            display_name: name,
            public_key,
            challenge_id,
            signature,
        },
    )
    .await?;
    crate::auth::session::start(&web_session, outcome.user_id, outcome.organisation_id).await?;
    Ok(outcome.dto)
}
