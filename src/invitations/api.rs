//! Server functions for the invitation management page, and the DTOs they return.
//!
//! Each is a public HTTP endpoint under `/api/invitations/…` (form-encoded POST, JSON answer):
//! it requires a session whose role may manage invitations, takes the organisation from the
//! session (platform admins may pick any organisation), and never returns rows or hashes.

use crate::{
    domain::{DeliveryState, InvitationStatus, OrgKind, Role},
    error::AppError,
};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A role the signed-in person may grant: wire value and label.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoleOption {
    pub value: Role,
    pub label: String,
}

/// An organisation the signed-in person may invite into, with the roles they may grant there.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrganisationOption {
    pub id: Uuid,
    pub name: String,
    pub kind: OrgKind,
    pub roles: Vec<RoleOption>,
}

/// What the "Invite Member" dialog offers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InviteChoices {
    /// The caller's own organisation first. More than one only for platform admins.
    pub organisations: Vec<OrganisationOption>,
    /// Whether the list spans several organisations (platform admins).
    pub all_organisations: bool,
}

/// One row of the invitation list. Times are Unix seconds (UTC).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvitationSummary {
    pub id: Uuid,
    pub organisation_name: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub role_label: String,
    pub designation: Option<String>,
    pub department: Option<String>,
    /// Effective status: pending past its expiry reads as expired.
    pub status: InvitationStatus,
    /// Newest email's delivery state, if any email was queued.
    pub delivery: Option<DeliveryState>,
    pub inviter_name: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub last_sent_at: Option<i64>,
    pub resend_count: i32,
    pub can_resend: bool,
    pub can_revoke: bool,
}

/// A page of invitations, newest first. `next_cursor` fetches the following page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvitationPage {
    pub invitations: Vec<InvitationSummary>,
    pub next_cursor: Option<String>,
}

/// One audit event, for the history dialog. `at` is Unix seconds (UTC).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub action: String,
    pub actor: Option<String>,
    pub at: i64,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// Action-specific facts as compact text ("reason: left the company").
    pub detail: Option<String>,
}

/// Rows per page of the invitation list.
pub const PAGE_SIZE: i64 = 25;

#[cfg(feature = "ssr")]
mod server {
    use super::*;
    use crate::{
        auth::session::{current_user, CurrentUser},
        domain::{EmailAddress, OptionalText, PersonName},
        error::FieldErrors,
        invitations::{
            repo,
            service::{Actor, NewInvitation},
        },
        security::RequestContext,
        startup::AppState,
    };
    use sqlx::Row;

    /// The organisation filter for the caller: `None` (all) for platform admins.
    pub fn scope(user: &CurrentUser) -> Option<Uuid> {
        (!user.is_platform_admin()).then_some(user.org_id)
    }

    pub fn actor(user: &CurrentUser) -> Actor {
        Actor::User {
            id: user.user_id,
            name: user.display_name(),
        }
    }

    /// The state, the signed-in manager and the request context, captured before any other
    /// `.await` (see [`crate::auth::session::load`]).
    pub async fn manager() -> Result<(AppState, CurrentUser, RequestContext), AppError> {
        let ctx = RequestContext::current();
        let (state, session) = crate::auth::session::load().await?;
        let user = current_user(&state, &session).await?;
        user.require_invitation_manager()?;
        Ok((state, user, ctx))
    }

    fn role_options(user: &CurrentUser, kind: OrgKind) -> Vec<RoleOption> {
        user.role
            .grantable_roles(user.org_kind, kind)
            .into_iter()
            .map(|r| RoleOption {
                value: r,
                label: r.label(kind).to_owned(),
            })
            .collect()
    }

    pub async fn options(state: &AppState, user: &CurrentUser) -> Result<InviteChoices, AppError> {
        let rows = sqlx::query(
            "SELECT id, name, kind FROM organisations
              WHERE $1::uuid IS NULL OR id = $1
              ORDER BY (id = $2) DESC, kind = 'platform' DESC, name",
        )
        .bind(scope(user))
        .bind(user.org_id)
        .fetch_all(&state.pool)
        .await
        .map_err(AppError::internal("loading organisations failed"))?;
        let organisations = rows
            .into_iter()
            .filter_map(|r| {
                let kind = OrgKind::parse(r.get("kind"))?;
                Some(OrganisationOption {
                    id: r.get("id"),
                    name: r.get("name"),
                    kind,
                    roles: role_options(user, kind),
                })
            })
            .filter(|o| !o.roles.is_empty())
            .collect();
        Ok(InviteChoices {
            organisations,
            all_organisations: user.is_platform_admin(),
        })
    }

    /// Parses the dialog's fields into a [`NewInvitation`], reporting every bad field.
    /// The organisation is the caller's own unless the caller is a platform admin.
    #[allow(clippy::too_many_arguments)]
    pub async fn parse_new(
        state: &AppState,
        user: &CurrentUser,
        organisation_id: Option<String>,
        email: &str,
        first_name: &str,
        last_name: &str,
        role: &str,
        designation: Option<String>,
        department: Option<String>,
    ) -> Result<NewInvitation, AppError> {
        let mut errs = FieldErrors::default();
        let org_id = if user.is_platform_admin() {
            match organisation_id
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                None => Some(user.org_id),
                Some(s) => errs.check(
                    "organisation_id",
                    Uuid::parse_str(s).map_err(|_| "Choose an organisation."),
                ),
            }
        } else {
            Some(user.org_id)
        };
        let kind = match org_id {
            Some(id) => repo::organisation(&state.pool, id)
                .await
                .map_err(AppError::internal("loading organisation failed"))?
                .and_then(|(_, k)| OrgKind::parse(&k)),
            None => None,
        };
        if org_id.is_some() && kind.is_none() {
            errs.add("organisation_id", "Choose an organisation.");
        }
        let email = errs.check("email", EmailAddress::parse(email));
        let first = errs.check("first_name", PersonName::parse(first_name));
        let last = errs.check("last_name", PersonName::parse(last_name));
        let role = kind.and_then(|kind| {
            let grantable = user.role.grantable_roles(user.org_kind, kind);
            let parsed = Role::parse_for(role, kind).and_then(|r| {
                if grantable.contains(&r) {
                    Ok(r)
                } else {
                    Err("You cannot grant this role.".to_owned())
                }
            });
            errs.check("role", parsed)
        });
        let designation = errs.check(
            "designation",
            OptionalText::parse(designation.as_deref().unwrap_or(""), 100),
        );
        let department = errs.check(
            "department",
            OptionalText::parse(department.as_deref().unwrap_or(""), 100),
        );
        errs.finish()?;
        match (org_id, email, first, last, role, designation, department) {
            (
                Some(organisation_id),
                Some(email),
                Some(first_name),
                Some(last_name),
                Some(role),
                Some(d),
                Some(dep),
            ) => Ok(NewInvitation {
                organisation_id,
                email,
                first_name,
                last_name,
                role,
                designation: d.into_inner(),
                department: dep.into_inner(),
            }),
            _ => Err(AppError::Internal),
        }
    }

    pub fn summary(r: repo::ListedInvitation) -> InvitationSummary {
        let f = r.facts;
        let kind = OrgKind::parse(&f.organisation_kind).unwrap_or(OrgKind::Company);
        let status = InvitationStatus::parse(&f.status)
            .unwrap_or(InvitationStatus::Revoked)
            .effective(f.overdue);
        InvitationSummary {
            id: f.id,
            organisation_name: f.organisation_name,
            email: f.email,
            first_name: f.first_name,
            last_name: f.last_name,
            role_label: Role::parse_for(&f.role, kind)
                .map(|role| role.label(kind).to_owned())
                .unwrap_or(f.role),
            designation: f.designation,
            department: f.department,
            status,
            delivery: r.delivery.as_deref().and_then(DeliveryState::parse),
            inviter_name: r.inviter_name,
            created_at: r.created_at.unix_timestamp(),
            expires_at: f.expires_at.unix_timestamp(),
            last_sent_at: r.last_sent_at.map(|t| t.unix_timestamp()),
            resend_count: r.resend_count,
            can_resend: status.can_resend(),
            can_revoke: status.can_revoke(),
        }
    }

    /// Cursor format: `<created_at as Unix microseconds>.<uuid>`.
    pub fn encode_cursor(r: &repo::ListedInvitation) -> String {
        format!(
            "{}.{}",
            r.created_at.unix_timestamp_nanos() / 1000,
            r.facts.id
        )
    }

    pub fn decode_cursor(s: &str) -> Option<(time::OffsetDateTime, Uuid)> {
        let (micros, id) = s.split_once('.')?;
        let micros: i128 = micros.parse().ok()?;
        let t = time::OffsetDateTime::from_unix_timestamp_nanos(micros * 1000).ok()?;
        Some((t, Uuid::parse_str(id).ok()?))
    }

    pub fn detail_text(v: &serde_json::Value) -> Option<String> {
        let obj = v.as_object()?;
        let parts: Vec<String> = obj
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => format!("{}: {s}", k.replace('_', " ")),
                other => format!("{}: {other}", k.replace('_', " ")),
            })
            .collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

#[cfg(feature = "ssr")]
pub use server::{detail_text, manager as invitation_manager, scope as invitation_scope};

/// What the "Invite Member" dialog may offer the caller.
#[server(endpoint = "invitations/options")]
pub async fn invite_options() -> Result<InviteChoices, AppError> {
    let (state, user, _) = server::manager().await?;
    server::options(&state, &user).await
}

/// Lists invitations visible to the caller, newest first.
///
/// `status`: `pending`, `accepted`, `expired` or `revoked` (effective status), or empty for
/// all. `search`: part of an email address. `cursor`: from the previous page's `next_cursor`.
#[server(endpoint = "invitations/list")]
pub async fn list_invitations(
    status: Option<String>,
    search: Option<String>,
    cursor: Option<String>,
) -> Result<InvitationPage, AppError> {
    use crate::invitations::repo;
    let (state, user, _) = server::manager().await?;
    let status = match status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            InvitationStatus::parse(s)
                .ok_or_else(|| AppError::field("status", "Unknown status."))?,
        ),
    };
    let search = search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.chars().take(254).collect::<String>());
    let before = match cursor.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(c) => Some(server::decode_cursor(c).ok_or(AppError::BadRequest)?),
    };
    let mut rows = repo::list(
        &state.pool,
        &repo::ListFilter {
            org: server::scope(&user),
            status,
            search: search.as_deref(),
            before,
            limit: PAGE_SIZE + 1,
        },
    )
    .await
    .map_err(AppError::internal("listing invitations failed"))?;
    let next_cursor = if rows.len() as i64 > PAGE_SIZE {
        rows.truncate(PAGE_SIZE as usize);
        rows.last().map(server::encode_cursor)
    } else {
        None
    };
    Ok(InvitationPage {
        invitations: rows.into_iter().map(server::summary).collect(),
        next_cursor,
    })
}

/// Invites a person. Validates every field (errors per field, nothing created on error);
/// `organisation_id` is honoured only for platform admins. Queues the email.
#[server(endpoint = "invitations/create")]
#[allow(clippy::too_many_arguments)]
pub async fn create_invitation(
    organisation_id: Option<String>,
    email: String,
    first_name: String,
    last_name: String,
    role: String,
    designation: Option<String>,
    department: Option<String>,
) -> Result<Uuid, AppError> {
    use crate::invitations::service;
    let (state, user, ctx) = server::manager().await?;
    let new = server::parse_new(
        &state,
        &user,
        organisation_id,
        &email,
        &first_name,
        &last_name,
        &role,
        designation,
        department,
    )
    .await?;
    let created = service::create(&state, &server::actor(&user), new, &ctx).await?;
    Ok(created.id)
}

/// Issues a new link for a pending or expired invitation and emails it.
#[server(endpoint = "invitations/resend")]
pub async fn resend_invitation(id: Uuid) -> Result<(), AppError> {
    use crate::invitations::service;
    let (state, user, ctx) = server::manager().await?;
    service::resend(
        &state,
        &server::actor(&user),
        id,
        server::scope(&user),
        &ctx,
    )
    .await?;
    Ok(())
}

/// Revokes a pending invitation; `reason` is optional (at most 500 characters).
#[server(endpoint = "invitations/revoke")]
pub async fn revoke_invitation(id: Uuid, reason: Option<String>) -> Result<(), AppError> {
    use crate::{domain::OptionalText, invitations::service};
    let (state, user, ctx) = server::manager().await?;
    let reason = OptionalText::parse(reason.as_deref().unwrap_or(""), 500)
        .map_err(|m| AppError::field("reason", m))?
        .into_inner();
    service::revoke(
        &state,
        &server::actor(&user),
        id,
        server::scope(&user),
        reason,
        &ctx,
    )
    .await?;
    Ok(())
}

/// The audit trail of one invitation, oldest first.
#[server(endpoint = "invitations/history")]
pub async fn invitation_history(id: Uuid) -> Result<Vec<AuditEvent>, AppError> {
    use crate::invitations::repo;
    let (state, user, _) = server::manager().await?;
    let rows = repo::history(&state.pool, id, server::scope(&user))
        .await
        .map_err(AppError::internal("loading history failed"))?;
    if rows.is_empty() {
        return Err(AppError::NotFound("That invitation does not exist.".into()));
    }
    Ok(rows
        .into_iter()
        .map(|r| AuditEvent {
            detail: server::detail_text(&r.detail),
            action: r.action,
            actor: r.actor,
            at: r.occurred_at.unix_timestamp(),
            ip: r.ip,
            user_agent: r.user_agent,
        })
        .collect())
}
