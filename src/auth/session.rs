//! The signed-in person, read from the server-side session on every request.
//!
//! A session (tower-sessions, stored in Postgres so every instance sees it) holds the user id,
//! the organisation the person acts for, and the sign-in time. The organisation used by every
//! server function comes from here, never from request arguments.

use crate::{
    domain::{OrgKind, Role},
    error::AppError,
    security::RequestContext,
    state::AppState,
};
use leptos::prelude::{expect_context, use_context};
use std::sync::Arc;
use tower_sessions::Session;
use uuid::Uuid;

const USER_KEY: &str = "gatehouse.user_id";
const ORG_KEY: &str = "gatehouse.org_id";
const AUTH_AT_KEY: &str = "gatehouse.authenticated_at";

/// The person behind the current request and the membership they act under.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub user_id: Uuid,
    /// The email address, or the did:key of a member who joined with an invite code.
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub org_id: Uuid,
    pub org_name: String,
    pub org_kind: OrgKind,
    pub role: Role,
}

impl CurrentUser {
    /// "First Last".
    pub fn display_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
            .trim()
            .to_owned()
    }

    /// Platform admins manage every organisation.
    pub fn is_platform_admin(&self) -> bool {
        self.org_kind == OrgKind::Platform && self.role == Role::Admin
    }

    /// Requires a role that may manage invitations.
    ///
    /// # Errors
    /// [`AppError::Forbidden`] otherwise.
    pub fn require_invitation_manager(&self) -> Result<(), AppError> {
        if self.role.can_manage_invitations(self.org_kind) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// The shared state and the session of the current request.
///
/// Call this first in a server function, before any other `.await`: when a page render calls
/// a server function, Leptos's context is only reliably available until the first real
/// suspension, so everything taken from it is captured here and passed on explicitly.
///
/// # Errors
/// [`AppError::Internal`] if the session layer is missing.
pub async fn load() -> Result<(AppState, Session), AppError> {
    let state = expect_context::<AppState>();
    let session = leptos_axum::extract::<Session>()
        .await
        .map_err(AppError::internal("session layer missing"))?;
    Ok((state, session))
}

/// The signed-in person as this request has looked them up, so that a page whose server
/// functions each check the session (a list, its options, a setting: four on the invitation
/// list) reads the user and membership once instead of once per function.
///
/// One per request, provided in Leptos's context by the router (`startup`); never shared
/// between requests, so no instance holds state another would miss. The entry is keyed by
/// what the session held (user, organisation, sign-in time): a session that changes within the
/// request is looked up again. Concurrent lookups of one request wait for the first.
#[derive(Clone, Default)]
pub struct RequestUser(Arc<tokio::sync::Mutex<Option<Remembered>>>);

/// What a session names: user, organisation, sign-in time (Unix seconds).
type SessionKey = (Uuid, Uuid, i64);

/// A session's key and the person it named (`None`: nobody, or a membership that is gone).
type Remembered = (SessionKey, Option<CurrentUser>);

/// [`load`] and the signed-in person (or `None`), looked up once per request.
///
/// # Errors
/// As [`load`] and [`optional_user`].
pub async fn load_user() -> Result<(AppState, Session, Option<CurrentUser>), AppError> {
    let memo = use_context::<RequestUser>();
    let (state, session) = load().await?;
    let user = lookup(&state, &session, memo.as_ref()).await?;
    Ok((state, session, user))
}

/// What a server function needs first: the shared state, the signed-in person and the request
/// context, all captured before any other `.await` (see [`load`]). `allowed` is the feature's
/// role rule.
///
/// # Errors
/// [`AppError::Unauthenticated`] without a session; [`AppError::Forbidden`] when `allowed`
/// refuses the person's role.
pub async fn signed_in_as(
    allowed: impl Fn(&CurrentUser) -> bool,
) -> Result<(AppState, CurrentUser, RequestContext), AppError> {
    let ctx = RequestContext::current();
    let (state, _, user) = load_user().await?;
    let user = user.ok_or(AppError::Unauthenticated)?;
    if allowed(&user) {
        Ok((state, user, ctx))
    } else {
        // OWASP ASVS 5.0 V16.3.2: failed authorization is logged, with who and from where.
        tracing::warn!(
            event = "authorization_failure",
            user_id = %user.user_id,
            org_id = %user.org_id,
            role = user.role.as_str(),
            client_ip = ?ctx.ip,
            "authorization refused"
        );
        Err(AppError::Forbidden)
    }
}

/// [`signed_in_as`] someone who may use the Integrations area (tenant admins, integration
/// managers, platform admins).
///
/// # Errors
/// As [`signed_in_as`].
pub async fn integrations_user() -> Result<(AppState, CurrentUser, RequestContext), AppError> {
    signed_in_as(|u| u.role.can_use_integrations(u.org_kind)).await
}

/// A session-store failure: the store is Postgres, and its backend errors are the database
/// being out of reach (the store reports them as text only), so they answer 503 with
/// `Retry-After` like any other unavailable database; encoding errors are bugs (500).
fn session_error(e: tower_sessions::session::Error) -> AppError {
    use tower_sessions::{session::Error, session_store::Error as StoreError};
    if let Error::Store(StoreError::Backend(message)) = &e {
        tracing::warn!(error = %message, "session store unavailable");
        return AppError::Busy;
    }
    AppError::internal("session store failed")(e)
}

/// The signed-in person, or `None`. Ends sessions past the absolute timeout
/// (OWASP ASVS 5.0 V7.3.2) and sessions whose user or membership no longer exists.
///
/// # Errors
/// [`AppError::Internal`] if the session store or database fails.
pub async fn optional_user(
    state: &AppState,
    session: &Session,
) -> Result<Option<CurrentUser>, AppError> {
    lookup(state, session, None).await
}

/// [`optional_user`], remembered in `memo` for the rest of the request when there is one.
async fn lookup(
    state: &AppState,
    session: &Session,
    memo: Option<&RequestUser>,
) -> Result<Option<CurrentUser>, AppError> {
    let mut held = match memo {
        Some(m) => Some(m.0.lock().await),
        None => None,
    };
    let (Some(user_id), Some(org_id), Some(auth_at)) = (
        session.get::<Uuid>(USER_KEY).await.map_err(session_error)?,
        session.get::<Uuid>(ORG_KEY).await.map_err(session_error)?,
        session
            .get::<i64>(AUTH_AT_KEY)
            .await
            .map_err(session_error)?,
    ) else {
        return Ok(None);
    };
    let key = (user_id, org_id, auth_at);
    if let Some(Some((k, user))) = held.as_deref() {
        if *k == key {
            return Ok(user.clone());
        }
    }
    let user = read_user(state, session, key).await?;
    if let Some(held) = held.as_deref_mut() {
        *held = Some((key, user.clone()));
    }
    Ok(user)
}

/// The user and membership a session names, or `None` (and the session ended) when the
/// session is past its absolute timeout or the membership is gone.
async fn read_user(
    state: &AppState,
    session: &Session,
    (user_id, org_id, auth_at): SessionKey,
) -> Result<Option<CurrentUser>, AppError> {
    let age = time::OffsetDateTime::now_utc().unix_timestamp() - auth_at;
    if age < 0 || age as u64 > state.config.session_absolute_timeout.as_secs() {
        session.flush().await.map_err(session_error)?;
        return Ok(None);
    }
    // `users_identified` guarantees an email or a did.
    let row = sqlx::query!(
        r#"SELECT COALESCE(u.email::text, u.did) AS "email!", u.first_name, u.last_name, m.role,
                o.name AS org_name, o.kind AS org_kind
           FROM users u
           JOIN memberships m ON m.user_id = u.id
           JOIN organisations o ON o.id = m.organisation_id
          WHERE u.id = $1 AND m.organisation_id = $2"#,
        user_id,
        org_id,
    )
    .fetch_optional(&state.pool)
    .await
    .map_err(AppError::internal("loading the signed-in user failed"))?;
    let Some(row) = row else {
        session.flush().await.map_err(session_error)?;
        return Ok(None);
    };
    let org_kind = OrgKind::parse(&row.org_kind).ok_or(AppError::Internal)?;
    let role = Role::parse_for(&row.role, org_kind).map_err(|_| AppError::Internal)?;
    Ok(Some(CurrentUser {
        user_id,
        email: row.email,
        first_name: row.first_name,
        last_name: row.last_name,
        org_id,
        org_name: row.org_name,
        org_kind,
        role,
    }))
}

/// The signed-in person.
///
/// # Errors
/// [`AppError::Unauthenticated`] when nobody is signed in.
pub async fn current_user(state: &AppState, session: &Session) -> Result<CurrentUser, AppError> {
    optional_user(state, session)
        .await?
        .ok_or(AppError::Unauthenticated)
}

/// Starts an authenticated session: a new session id first (no session fixation, OWASP ASVS
/// 5.0 V7.2.4), then the user, organisation and sign-in time.
///
/// # Errors
/// [`AppError::Internal`] if the session store fails.
pub async fn start(session: &Session, user_id: Uuid, org_id: Uuid) -> Result<(), AppError> {
    session.cycle_id().await.map_err(session_error)?;
    session
        .insert(USER_KEY, user_id)
        .await
        .map_err(session_error)?;
    session
        .insert(ORG_KEY, org_id)
        .await
        .map_err(session_error)?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    session
        .insert(AUTH_AT_KEY, now)
        .await
        .map_err(session_error)?;
    Ok(())
}

/// Switches the organisation the signed-in person acts for (after joining another one).
///
/// # Errors
/// [`AppError::Internal`] if the session store fails.
pub async fn switch_organisation(session: &Session, org_id: Uuid) -> Result<(), AppError> {
    session.cycle_id().await.map_err(session_error)?;
    session.insert(ORG_KEY, org_id).await.map_err(session_error)
}

/// Ends the session on the server (the row is deleted) and expires the cookie.
///
/// # Errors
/// [`AppError::Internal`] if the session store fails.
pub async fn end(session: &Session) -> Result<(), AppError> {
    session.flush().await.map_err(session_error)
}

/// Keeps `value` in the session under `key` until [`take_flash`] reads it once: how a form
/// posted without scripts hands its result to the page the server redirects it to.
///
/// # Errors
/// [`AppError::Internal`] if the session store fails.
pub async fn put_flash<T: serde::Serialize>(
    session: &Session,
    key: &str,
    value: &T,
) -> Result<(), AppError> {
    session.insert(key, value).await.map_err(session_error)
}

/// Takes the value [`put_flash`] left under `key`, if `wanted` accepts it; a value it refuses
/// stays for its own page.
///
/// # Errors
/// [`AppError::Internal`] if the session store fails.
pub async fn take_flash<T: serde::de::DeserializeOwned>(
    session: &Session,
    key: &str,
    wanted: impl Fn(&T) -> bool,
) -> Result<Option<T>, AppError> {
    match session.get::<T>(key).await.map_err(session_error)? {
        Some(v) if wanted(&v) => {
            session
                .remove::<serde_json::Value>(key)
                .await
                .map_err(session_error)?;
            Ok(Some(v))
        }
        _ => Ok(None),
    }
}

/// The membership a person acts under after signing in: the most privileged one, platform
/// first, oldest first among equals. `None` if the user has no membership.
///
/// # Errors
/// [`AppError::Internal`] on database failure.
pub async fn primary_membership(
    pool: &sqlx::PgPool,
    user_id: Uuid,
) -> Result<Option<(Uuid, OrgKind, Role)>, AppError> {
    let rows = sqlx::query!(
        "SELECT m.organisation_id, o.kind, m.role FROM memberships m
           JOIN organisations o ON o.id = m.organisation_id
          WHERE m.user_id = $1 ORDER BY m.created_at",
        user_id,
    )
    .fetch_all(pool)
    .await
    .map_err(AppError::internal("loading memberships failed"))?;
    let rank = |kind: OrgKind, role: Role| {
        let manages = role.can_manage_invitations(kind);
        (kind != OrgKind::Platform || !manages, !manages)
    };
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let kind = OrgKind::parse(&r.kind)?;
            let role = Role::parse_for(&r.role, kind).ok()?;
            Some((r.organisation_id, kind, role))
        })
        .min_by_key(|(_, kind, role)| rank(*kind, *role)))
}
