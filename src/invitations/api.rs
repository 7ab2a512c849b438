//! Server functions for the invitation management page.
//!
//! Each is a public HTTP endpoint (form-encoded POST, JSON answer): it requires a session
//! whose role may manage invitations, takes the organisation from the session (platform
//! admins may pick any organisation), and returns the DTOs of [`super::dto`], never rows.

use crate::error::AppError;
use leptos::prelude::*;
use uuid::Uuid;

pub use super::dto::*;

/// The state, the signed-in manager and the request context (401 without a session, 403 for a
/// role that does not manage invitations).
#[cfg(feature = "ssr")]
pub async fn invitation_manager() -> Result<
    (
        crate::state::AppState,
        crate::auth::session::CurrentUser,
        crate::security::RequestContext,
    ),
    AppError,
> {
    crate::auth::session::signed_in_as(|u| u.role.can_manage_invitations(u.org_kind)).await
}

/// What the "Invite Member" dialog may offer the caller.
#[server(prefix = "/rpc", endpoint = "invitations/options")]
pub async fn invite_options() -> Result<InviteChoices, AppError> {
    let (state, user, _) = invitation_manager().await?;
    super::service::invite_options(&state, &user).await
}

/// Lists invitations visible to the caller, newest first.
///
/// `status`: `pending`, `accepted`, `expired` or `revoked` (effective status), or empty for
/// all. `search`: part of an email address. `cursor`: from the previous page's `next_cursor`.
#[server(prefix = "/rpc", endpoint = "invitations/list")]
pub async fn list_invitations(
    status: Option<String>,
    search: Option<String>,
    cursor: Option<String>,
) -> Result<InvitationPage, AppError> {
    let (state, user, _) = invitation_manager().await?;
    super::service::list(
        &state,
        &user,
        status.as_deref(),
        search.as_deref(),
        cursor.as_deref(),
    )
    .await
}

/// Invites a person. Validates every field (errors per field, nothing created on error);
/// `organisation_id` is honoured only for platform admins. `expires_in_hours` (1 to 720;
/// empty: the configured default) sets the link's lifetime. With `send_email` = `false` no
/// email is queued and the answer carries the link, shown once; otherwise the email is
/// queued and the answer has no link.
#[server(prefix = "/rpc", endpoint = "invitations/create")]
#[allow(clippy::too_many_arguments)]
pub async fn create_invitation(
    organisation_id: Option<String>,
    email: String,
    first_name: String,
    last_name: String,
    role: String,
    designation: Option<String>,
    department: Option<String>,
    expires_in_hours: Option<String>,
    send_email: Option<String>,
) -> Result<CreatedInvitation, AppError> {
    use crate::{
        domain::DraftFields,
        invitations::service::{self, Actor},
    };
    let (state, user, ctx) = invitation_manager().await?;
    let fields = DraftFields {
        email: &email,
        first_name: &first_name,
        last_name: &last_name,
        role: &role,
        designation: designation.as_deref().unwrap_or(""),
        department: department.as_deref().unwrap_or(""),
    };
    let send_email = !matches!(send_email.as_deref(), Some("false" | "off" | "0"));
    let new = service::draft_with_options(
        &state,
        &user,
        organisation_id.as_deref(),
        &fields,
        expires_in_hours.as_deref().unwrap_or(""),
        send_email,
    )
    .await?;
    let created = service::create(&state, &Actor::from_user(&user), new, &ctx).await?;
    Ok(CreatedInvitation {
        id: created.id,
        link: (!send_email).then_some(created.link),
    })
}

/// Issues a new link for a pending or expired invitation and emails it.
#[server(prefix = "/rpc", endpoint = "invitations/resend")]
pub async fn resend_invitation(id: Uuid) -> Result<(), AppError> {
    use crate::invitations::service::{self, Actor};
    let (state, user, ctx) = invitation_manager().await?;
    service::resend(
        &state,
        &Actor::from_user(&user),
        id,
        service::scope_of(&user),
        &ctx,
    )
    .await?;
    Ok(())
}

/// Revokes a pending invitation; `reason` is optional (at most 500 characters).
#[server(prefix = "/rpc", endpoint = "invitations/revoke")]
pub async fn revoke_invitation(id: Uuid, reason: Option<String>) -> Result<(), AppError> {
    use crate::{
        domain::OptionalText,
        invitations::service::{self, Actor},
    };
    let (state, user, ctx) = invitation_manager().await?;
    let reason = OptionalText::parse(reason.as_deref().unwrap_or(""), 500)
        .map_err(|m| AppError::field("reason", m))?
        .into_inner();
    service::revoke(
        &state,
        &Actor::from_user(&user),
        id,
        service::scope_of(&user),
        reason,
        &ctx,
    )
    .await?;
    Ok(())
}

/// The audit trail of one invitation, oldest first.
#[server(prefix = "/rpc", endpoint = "invitations/history")]
pub async fn invitation_history(id: Uuid) -> Result<Vec<AuditEvent>, AppError> {
    let (state, user, _) = invitation_manager().await?;
    super::service::history(&state, &user, id).await
}

/// The dry run of a bulk file (`csv`: the file's text), for the "Bulk invite" dialog: every
/// row's verdict, nothing written. `organisation_id` is honoured only for platform admins.
/// JSON-encoded, so a 5 MB file fits the upload limit.
///
/// # Errors
/// 422 with the problem under `file`; 401/403 without a managing session.
#[server(prefix = "/rpc", endpoint = "invitations/bulk-check", input = leptos::server_fn::codec::Json)]
pub async fn check_bulk_invitations(
    csv: String,
    organisation_id: Option<String>,
) -> Result<BulkPreview, AppError> {
    use crate::invitations::service::bulk;
    let (state, user, _) = invitation_manager().await?;
    let rows = bulk::read_csv(csv.as_bytes())?;
    bulk::preview(&state, &user, organisation_id.as_deref(), rows).await
}

/// Confirms a bulk file: checks it again and queues the job that writes its valid rows.
///
/// # Errors
/// 422 when no row can be invited (or the file cannot be read); as the dry run otherwise.
#[server(prefix = "/rpc", endpoint = "invitations/bulk-start", input = leptos::server_fn::codec::Json)]
pub async fn start_bulk_invitations(
    csv: String,
    organisation_id: Option<String>,
) -> Result<BulkJobStatus, AppError> {
    use crate::invitations::service::{bulk, Actor};
    let (state, user, _) = invitation_manager().await?;
    let rows = bulk::read_csv(csv.as_bytes())?;
    let (_, job) = bulk::start(
        &state,
        &user,
        &Actor::from_user(&user),
        organisation_id.as_deref(),
        rows,
    )
    .await?;
    Ok(job)
}

/// A bulk import's progress (of the caller's organisation; any, for platform admins).
#[server(prefix = "/rpc", endpoint = "invitations/bulk-status")]
pub async fn bulk_invitation_status(id: Uuid) -> Result<BulkJobStatus, AppError> {
    let (state, user, _) = invitation_manager().await?;
    crate::invitations::service::bulk::status(&state, &user, id).await
}

/// The invitations API's reference (public, like `/api/openapi.json`, which it is read from).
#[server(prefix = "/rpc", endpoint = "invitations/api-reference")]
pub async fn load_api_reference() -> Result<ApiReference, AppError> {
    Ok(crate::invitations::rest::reference())
}

/// The signed-in person's organisation's expiry-reminder setting (invitation managers).
///
/// # Errors
/// 401/403 as the other invitation endpoints.
#[server(prefix = "/rpc", endpoint = "invitations/reminders")]
pub async fn load_reminder_settings() -> Result<ReminderSettings, AppError> {
    let (state, user, _ctx) = invitation_manager().await?;
    crate::invitations::service::reminders::settings(&state, &user).await
}

/// Switches expiry reminders of the signed-in person's organisation on or off (invitation
/// managers of that organisation).
///
/// # Errors
/// 401/403 as the other invitation endpoints.
#[server(prefix = "/rpc", endpoint = "invitations/reminders/set")]
pub async fn set_reminders(enabled: bool) -> Result<ReminderSettings, AppError> {
    let (state, user, ctx) = invitation_manager().await?;
    crate::invitations::service::reminders::set_enabled(&state, &user, &ctx, enabled).await
}
