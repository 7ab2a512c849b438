//! The rules of invite codes: creation (single and batch), reveal, revoke, and redemption in
//! one transaction with proof of key possession, behind failure throttles.

use super::{
    dto::{CodeList, CodeSummary, CreatedCodes, JoinOutcome, ShareableCode, LIST_LIMIT},
    repo::{self, CodeRow},
};
use crate::{
    audit::{self, Actor, Event, InviteCodeAction, Subject},
    auth::{keys, session::CurrentUser},
    config::CODE_FAILURE_WINDOW,
    crypto::Sealed,
    domain::{
        did_key, ChallengePurpose, CodeExpiry, CodeStatus, InviteCode, OrgKind, PersonName, Role,
    },
    error::AppError,
    rate_limit,
    security::RequestContext,
    state::AppState,
};
use serde_json::json;
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

/// Settings shared by every code of one "Create Invite".
pub struct NewCodes {
    pub role: Role,
    pub expiry: CodeExpiry,
    pub max_uses: i32,
    pub note: Option<String>,
    /// How many codes (1 = a single code with a QR code; more = a batch with a CSV file).
    pub count: i32,
}

/// "Create Invite" requests allowed per person per minute (a batch counts once).
pub const CREATES_PER_MINUTE: i64 = 20;

/// `PUBLIC_URL/join?code=XXXX-XXXX-XXXX`.
pub fn join_url(state: &AppState, code: &InviteCode) -> String {
    state
        .config
        .link(&format!("/join?code={}", code.formatted()))
}

/// An SVG QR code (error correction M) of `text`.
///
/// # Errors
/// [`AppError::Internal`] if the text is too long for a QR code (ours are short URLs).
pub fn qr_svg(text: &str) -> Result<String, AppError> {
    use qrcode::{render::svg, EcLevel, QrCode};
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(AppError::internal("QR encoding failed"))?;
    Ok(code
        .render::<svg::Color>()
        .min_dimensions(240, 240)
        .dark_color(svg::Color("#111827"))
        .light_color(svg::Color("#ffffff"))
        .build())
}

fn shareable(
    state: &AppState,
    id: Uuid,
    code: &InviteCode,
    with_qr: bool,
) -> Result<ShareableCode, AppError> {
    let url = join_url(state, code);
    Ok(ShareableCode {
        id,
        code: code.formatted(),
        qr_svg: if with_qr {
            qr_svg(&url)?
        } else {
            String::new()
        },
        url,
    })
}

/// RFC 4180 CSV of a batch, via the `csv` crate.
fn batch_csv(
    codes: &[ShareableCode],
    role: &str,
    max_uses: i32,
    expires_at: OffsetDateTime,
    note: Option<&str>,
) -> Result<String, AppError> {
    let expires = expires_at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let mut w = csv::Writer::from_writer(Vec::new());
    let csv_err = AppError::internal::<csv::Error>("writing the batch CSV failed");
    w.write_record(["code", "url", "role", "max_uses", "expires_at_utc", "note"])
        .map_err(csv_err)?;
    for c in codes {
        w.write_record([
            c.code.as_str(),
            c.url.as_str(),
            role,
            &max_uses.to_string(),
            &expires,
            note.unwrap_or(""),
        ])
        .map_err(csv_err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(AppError::internal("finishing the batch CSV failed"))?;
    String::from_utf8(bytes).map_err(AppError::internal("batch CSV is not UTF-8"))
}

/// Creates `new.count` codes in the caller's organisation in one transaction, each audited.
///
/// # Errors
/// 429 past [`CREATES_PER_MINUTE`]; 500 on database failure.
#[tracing::instrument(skip_all)]
pub async fn create(
    state: &AppState,
    user: &CurrentUser,
    ctx: &RequestContext,
    new: NewCodes,
) -> Result<CreatedCodes, AppError> {
    if !user
        .role
        .code_grantable_roles(user.org_kind)
        .contains(&new.role)
    {
        return Err(AppError::field(
            "role",
            "Invite codes cannot grant this role. Invite this person by email instead.",
        ));
    }
    let db = AppError::internal::<sqlx::Error>("creating invite codes failed");
    let mut tx = state.pool.begin().await.map_err(db)?;
    let bucket = format!("invite-codes:{}", user.user_id);
    if let Some(secs) = rate_limit::acquire(
        &mut tx,
        &bucket,
        CREATES_PER_MINUTE,
        Duration::from_secs(60),
    )
    .await
    .map_err(db)?
    {
        return Err(AppError::RateLimited {
            retry_after_secs: secs,
            message: format!("You are creating codes very quickly. Try again in {secs} seconds."),
        });
    }
    let now = crate::db::transaction_time(&mut *tx).await.map_err(db)?;
    let expires_at = now + time::Duration::days(new.expiry.days());
    let batch_id = (new.count > 1).then(Uuid::new_v4);
    let mut made = Vec::with_capacity(new.count as usize);
    for _ in 0..new.count {
        let (id, code) = loop {
            let id = Uuid::new_v4();
            let code = InviteCode::generate();
            let sealed = state
                .config
                .encryption_keys
                .seal(code.as_str().as_bytes(), id.as_bytes());
            let row = CodeRow {
                id,
                organisation_id: user.org_id,
                code_hmac: state.config.code_lookup_key.mac(code.as_str().as_bytes()),
                sealed: &sealed,
                role: new.role.as_str(),
                max_uses: new.max_uses,
                note: new.note.as_deref(),
                batch_id,
                created_by: user.user_id,
                expires_at,
            };
            if repo::insert(&mut tx, &row).await.map_err(db)? {
                break (id, code);
            }
        };
        audit::record(
            &mut *tx,
            Event {
                organisation_id: user.org_id,
                subject: Subject::InviteCode(id, InviteCodeAction::Created),
                actor: Actor::User(user.user_id),
                ctx,
                detail: json!({ "role": new.role.as_str(), "max_uses": new.max_uses,
                    "expires_in_days": new.expiry.days(), "batch_id": batch_id }),
            },
        )
        .await
        .map_err(db)?;
        made.push(shareable(state, id, &code, new.count == 1)?);
    }
    tx.commit().await.map_err(db)?;
    tracing::info!(count = new.count, org_id = %user.org_id, "invite codes created");
    let role_label = new.role.label(user.org_kind).to_owned();
    let csv = if new.count > 1 {
        Some(batch_csv(
            &made,
            new.role.as_str(),
            new.max_uses,
            expires_at,
            new.note.as_deref(),
        )?)
    } else {
        None
    };
    Ok(CreatedCodes {
        codes: made,
        role_label,
        max_uses: new.max_uses,
        expires_at: expires_at.unix_timestamp(),
        csv,
    })
}

/// The caller's organisation's newest codes.
///
/// # Errors
/// 500 on database failure.
#[tracing::instrument(skip_all)]
pub async fn list(
    state: &AppState,
    user: &CurrentUser,
    status: &str,
) -> Result<CodeList, AppError> {
    let status = match status.trim() {
        s @ ("active" | "expired" | "used" | "revoked") => s,
        _ => "",
    };
    let limit = LIST_LIMIT;
    let rows = repo::list(&state.pool, user.org_id, status, limit + 1)
        .await
        .map_err(AppError::internal::<sqlx::Error>(
            "listing invite codes failed",
        ))?;
    let truncated = rows.len() as i64 > limit;
    let codes = rows
        .into_iter()
        .take(limit as usize)
        .map(|r| {
            let status = match r.status.as_str() {
                "active" => CodeStatus::Active,
                "expired" => CodeStatus::Expired,
                "used" => CodeStatus::Used,
                _ => CodeStatus::Revoked,
            };
            CodeSummary {
                id: r.id,
                status,
                role_label: Role::parse_for(&r.role, user.org_kind)
                    .map(|role| role.label(user.org_kind).to_owned())
                    .unwrap_or(r.role),
                creator_name: r.creator_name,
                note: r.note,
                created_at: r.created_at.unix_timestamp(),
                expires_at: r.expires_at.unix_timestamp(),
                used_count: r.used_count,
                max_uses: r.max_uses,
                in_batch: r.in_batch,
            }
        })
        .collect();
    Ok(CodeList { codes, truncated })
}

/// Decrypts code `id` of the caller's organisation and audits that it was revealed.
///
/// # Errors
/// 404 for a code of another organisation; 500 if it cannot be decrypted (e.g. its key was
/// removed from configuration).
#[tracing::instrument(skip_all)]
pub async fn reveal(
    state: &AppState,
    user: &CurrentUser,
    ctx: &RequestContext,
    id: Uuid,
) -> Result<ShareableCode, AppError> {
    let db = AppError::internal::<sqlx::Error>("revealing an invite code failed");
    let sealed: Sealed = repo::sealed(&state.pool, id, user.org_id)
        .await
        .map_err(db)?
        .ok_or_else(|| AppError::NotFound("There is no such invite code.".into()))?;
    let plain = state
        .config
        .encryption_keys
        .open(&sealed, id.as_bytes())
        .map_err(AppError::internal("decrypting an invite code failed"))?;
    let code = std::str::from_utf8(&plain)
        .ok()
        .and_then(|s| InviteCode::parse(s).ok())
        .ok_or(AppError::Internal)?;
    audit::record(
        &state.pool,
        Event {
            organisation_id: user.org_id,
            subject: Subject::InviteCode(id, InviteCodeAction::Revealed),
            actor: Actor::User(user.user_id),
            ctx,
            detail: json!({}),
        },
    )
    .await
    .map_err(db)?;
    shareable(state, id, &code, true)
}

/// Revokes code `id` of the caller's organisation and audits it.
///
/// # Errors
/// 404 for a code of another organisation, 409 if already revoked.
#[tracing::instrument(skip_all)]
pub async fn revoke(
    state: &AppState,
    user: &CurrentUser,
    ctx: &RequestContext,
    id: Uuid,
) -> Result<(), AppError> {
    let db = AppError::internal::<sqlx::Error>("revoking an invite code failed");
    let mut tx = state.pool.begin().await.map_err(db)?;
    match repo::revoke(&mut tx, id, user.org_id, user.user_id)
        .await
        .map_err(db)?
    {
        None => return Err(AppError::NotFound("There is no such invite code.".into())),
        Some(false) => {
            return Err(AppError::Conflict(
                "This invite code was already revoked.".into(),
            ))
        }
        Some(true) => {}
    }
    audit::record(
        &mut *tx,
        Event {
            organisation_id: user.org_id,
            subject: Subject::InviteCode(id, InviteCodeAction::Revoked),
            actor: Actor::User(user.user_id),
            ctx,
            detail: json!({}),
        },
    )
    .await
    .map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok(())
}

/// A parsed redemption request.
pub struct Redemption {
    pub code: InviteCode,
    pub display_name: PersonName,
    pub public_key: [u8; 32],
    pub challenge_id: Uuid,
    pub signature: String,
}

/// A redemption that went through.
pub struct Redeemed {
    pub user_id: Uuid,
    pub organisation_id: Uuid,
    pub dto: JoinOutcome,
}

/// Prefix of the per-client failure buckets; the global circuit counts distinct ones.
const FAILURE_PREFIX: &str = "invite-code-failures:";

fn ip_bucket(ctx: &RequestContext) -> String {
    format!("{FAILURE_PREFIX}{}", ctx.ip_key())
}

/// Counts this attempt against the caller's failure budget before any work, in one locked
/// step ([`rate_limit::reserve`]), or refuses it: per client (IPv4 address or IPv6 /64), and
/// by a global circuit that opens only when [`crate::config::Config::code_failing_clients_global`]
/// distinct clients failed within the window, so no single source can pause joining for
/// everyone (OWASP ASVS 5.0 V6.3.1; OWASP Credential Stuffing Prevention Cheat Sheet).
async fn reserve_attempt(state: &AppState, ctx: &RequestContext) -> Result<(), AppError> {
    let db = AppError::internal::<sqlx::Error>("checking the invite-code throttle failed");
    let failing = rate_limit::distinct_sources(&state.pool, FAILURE_PREFIX, CODE_FAILURE_WINDOW)
        .await
        .map_err(db)?;
    if failing >= state.config.code_failing_clients_global {
        let secs = CODE_FAILURE_WINDOW.as_secs();
        return Err(AppError::RateLimited {
            retry_after_secs: secs,
            message: format!(
                "Joining is paused for everyone after failed attempts from many places. Try again in {} minutes.",
                secs.div_ceil(60)
            ),
        });
    }
    let refused = rate_limit::reserve(
        &state.pool,
        &ip_bucket(ctx),
        state.config.code_failures_per_ip,
        CODE_FAILURE_WINDOW,
    )
    .await
    .map_err(db)?;
    match refused {
        Some(secs) => Err(AppError::RateLimited {
            retry_after_secs: secs,
            message: format!(
                "Too many attempts with codes that did not work. Try again in {} minutes.",
                secs.div_ceil(60)
            ),
        }),
        None => Ok(()),
    }
}

/// Whether a redemption outcome was a failed guess: a bad proof of key possession or a code
/// that is unknown, expired, used up or revoked. Anything else gives its attempt back.
fn is_failed_guess(outcome: &Result<Redeemed, AppError>) -> bool {
    matches!(
        outcome,
        Err(AppError::KeyNotVerified | AppError::NotFound(_) | AppError::Gone(_))
    )
}

/// Redeems a code (see `invite-codes/redeem` (`super::api::redeem_invite_code`) for the
/// contract). Every attempt is counted against the caller before the work
/// ([`reserve_attempt`]) and given back unless it failed (bad proof or dead code), so a burst
/// of parallel guesses gets no further than the per-client budget. Unknown, expired, used-up
/// and revoked codes take the same queries: one spend attempt and one lookup.
///
/// # Errors
/// As `invite-codes/redeem` (`super::api::redeem_invite_code`).
#[tracing::instrument(skip_all)]
pub async fn redeem(
    state: &AppState,
    ctx: &RequestContext,
    r: Redemption,
) -> Result<Redeemed, AppError> {
    reserve_attempt(state, ctx).await?;
    let outcome = redeem_reserved(state, ctx, r).await;
    if !is_failed_guess(&outcome) {
        rate_limit::refund(&state.pool, &ip_bucket(ctx))
            .await
            .map_err(AppError::internal(
                "refunding an invite-code attempt failed",
            ))?;
    }
    outcome
}

async fn redeem_reserved(
    state: &AppState,
    ctx: &RequestContext,
    r: Redemption,
) -> Result<Redeemed, AppError> {
    keys::verify_answer(
        state,
        r.challenge_id,
        ChallengePurpose::Join,
        &r.public_key,
        &r.signature,
    )
    .await?;
    let db = AppError::internal::<sqlx::Error>("redeeming an invite code failed");
    let code_hmac = state.config.code_lookup_key.mac(r.code.as_str().as_bytes());
    let mut tx = state.pool.begin().await.map_err(db)?;
    let Some(spent) = repo::spend(&mut tx, &code_hmac).await.map_err(db)? else {
        let dead = repo::dead_code(&mut *tx, &code_hmac).await.map_err(db)?;
        tx.rollback().await.map_err(db)?;
        return Err(match dead {
            None => AppError::NotFound(
                "We don't recognise this invite code. Check it with the person who gave it to you."
                    .into(),
            ),
            Some(d) if d.revoked => AppError::Gone(
                "This invite code was revoked. Ask the person who gave it to you for a new one."
                    .into(),
            ),
            Some(d) if d.used_up => AppError::Gone(
                "This invite code has already been used. Ask the person who gave it to you for a new one."
                    .into(),
            ),
            Some(d) => AppError::Gone(format!(
                "This invite code expired on {}. Ask the person who gave it to you for a new one.",
                crate::domain::format_utc(d.expires_at.unix_timestamp())
            )),
        });
    };
    let kind = OrgKind::parse(&spent.organisation_kind).ok_or(AppError::Internal)?;
    let role = Role::parse_for(&spent.role, kind).map_err(|_| AppError::Internal)?;
    if role.manages_anything(kind) {
        // A code minted before managing roles were kept off codes: spend nothing.
        tx.rollback().await.map_err(db)?;
        return Err(AppError::Gone(
            "This invite code grants a role that only an email invitation can give. Ask the person who gave it to you to invite you by email."
                .into(),
        ));
    }
    let did = did_key(&r.public_key);
    let Some(user_id) = repo::create_key_member(
        &mut tx,
        r.display_name.as_str(),
        &r.public_key,
        &did,
        spent.organisation_id,
        role.as_str(),
    )
    .await
    .map_err(db)?
    else {
        return Err(AppError::Conflict(
            "This key already belongs to an account. Sign in with your key instead.".into(),
        ));
    };
    audit::record(
        &mut *tx,
        Event {
            organisation_id: spent.organisation_id,
            subject: Subject::InviteCode(spent.id, InviteCodeAction::Redeemed),
            actor: Actor::Anonymous,
            ctx,
            detail: json!({ "user_id": user_id, "did": did, "role": role.as_str() }),
        },
    )
    .await
    .map_err(db)?;
    tx.commit().await.map_err(db)?;
    tracing::info!(%user_id, org_id = %spent.organisation_id, "invite code redeemed");
    Ok(Redeemed {
        user_id,
        organisation_id: spent.organisation_id,
        dto: JoinOutcome {
            did,
            organisation_name: spent.organisation_name,
            role_label: role.label(kind).to_owned(),
            dashboard_path: role.dashboard_path(kind).to_owned(),
        },
    })
}
