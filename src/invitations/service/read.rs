//! What managers read about invitations: the dialog's choices, the list, one history, and the
//! parsing of a new invitation against the organisation it goes to.

use super::{scope_of, NewInvitation};
use crate::{
    auth::session::CurrentUser,
    domain::{
        format_utc, DeliveryState, DraftFields, InvitationDraft, InvitationStatus, OrgKind, Role,
    },
    error::{AppError, FieldErrors},
    invitations::{
        dto::{
            AuditEvent, InvitationPage, InvitationSummary, InviteChoices, OrganisationOption,
            RoleOption, PAGE_SIZE,
        },
        repo,
    },
    state::AppState,
};
use time::{format_description::well_known::Rfc3339, OffsetDateTime};
use uuid::Uuid;

/// The roles `user` may grant in an organisation of `kind`, most privileged first.
pub fn role_options(user: &CurrentUser, kind: OrgKind) -> Vec<RoleOption> {
    user.role
        .grantable_roles(user.org_kind, kind)
        .into_iter()
        .map(|r| RoleOption {
            value: r,
            label: r.label(kind).to_owned(),
        })
        .collect()
}

/// What the "Invite Member" dialog offers `user`: their own organisation first, and for
/// platform admins every organisation they may grant a role in.
///
/// # Errors
/// 500 on database failure.
#[tracing::instrument(skip_all)]
pub async fn invite_options(
    state: &AppState,
    user: &CurrentUser,
) -> Result<InviteChoices, AppError> {
    let rows = repo::organisation_choices(&state.pool, scope_of(user), user.org_id)
        .await
        .map_err(AppError::internal("loading organisations failed"))?;
    let organisations = rows
        .into_iter()
        .filter_map(|(id, name, kind)| {
            let kind = OrgKind::parse(&kind)?;
            Some(OrganisationOption {
                id,
                name,
                kind,
                roles: role_options(user, kind),
            })
        })
        .filter(|o| !o.roles.is_empty())
        .collect();
    Ok(InviteChoices {
        organisations,
        all_organisations: user.is_platform_admin(),
        default_lifetime_hours: state.config.invitation_ttl.as_secs() / 3600,
    })
}

/// Parses the invite dialog's `fields` into a [`NewInvitation`] with the shared
/// [`InvitationDraft`] parser, reporting every bad field at once. The organisation is the
/// caller's own unless the caller is a platform admin, who may name one in
/// `organisation_id`; the role must be one `user` may grant there.
///
/// # Errors
/// 422 naming each bad field (`organisation_id` included); 500 on database failure.
#[tracing::instrument(skip_all)]
pub async fn draft_for(
    state: &AppState,
    user: &CurrentUser,
    organisation_id: Option<&str>,
    fields: &DraftFields<'_>,
) -> Result<NewInvitation, AppError> {
    let mut errs = FieldErrors::default();
    let org_id = if user.is_platform_admin() {
        match organisation_id.map(str::trim).filter(|s| !s.is_empty()) {
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
    let may_grant = |role: Role| match kind {
        Some(kind)
            if user
                .role
                .grantable_roles(user.org_kind, kind)
                .contains(&role) =>
        {
            Ok(())
        }
        _ => Err("You cannot grant this role.".to_owned()),
    };
    let invitee = InvitationDraft::parse(fields, kind, may_grant, &mut errs);
    errs.finish()?;
    match (org_id, invitee) {
        (Some(organisation_id), Some(invitee)) => Ok(NewInvitation::new(organisation_id, invitee)),
        _ => Err(AppError::Internal),
    }
}

/// [`draft_for`] with the per-invitation options: `expires_in_hours` (see
/// [`super::parse_lifetime_hours`]) and whether to send the email. Every bad field is
/// reported at once.
///
/// # Errors
/// As [`draft_for`], with `expires_in_hours` among the fields.
pub async fn draft_with_options(
    state: &AppState,
    user: &CurrentUser,
    organisation_id: Option<&str>,
    fields: &DraftFields<'_>,
    expires_in_hours: &str,
    send_email: bool,
) -> Result<NewInvitation, AppError> {
    let lifetime = super::parse_lifetime_hours(expires_in_hours);
    let drafted = draft_for(state, user, organisation_id, fields).await;
    match (drafted, lifetime) {
        (Ok(mut new), Ok(lifetime)) => {
            new.lifetime = lifetime;
            new.send_email = send_email;
            Ok(new)
        }
        (Err(AppError::Validation(mut v)), Err(m)) => {
            v.push(crate::error::FieldError {
                field: "expires_in_hours".into(),
                message: m,
            });
            Err(AppError::Validation(v))
        }
        (Ok(_), Err(m)) => Err(AppError::field("expires_in_hours", m)),
        (Err(e), _) => Err(e),
    }
}

fn summary(r: repo::ListedInvitation) -> InvitationSummary {
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
fn encode_cursor(r: &repo::ListedInvitation) -> String {
    format!(
        "{}.{}",
        r.created_at.unix_timestamp_nanos() / 1000,
        r.facts.id
    )
}

fn decode_cursor(s: &str) -> Option<(OffsetDateTime, Uuid)> {
    let (micros, id) = s.split_once('.')?;
    let micros: i128 = micros.parse().ok()?;
    let t = OffsetDateTime::from_unix_timestamp_nanos(micros.checked_mul(1000)?).ok()?;
    Some((t, Uuid::parse_str(id).ok()?))
}

/// One page ([`PAGE_SIZE`] rows) of the invitations visible to `user`, newest first, with
/// keyset pagination.
///
/// `status`: `pending`, `accepted`, `expired` or `revoked` (effective status), or empty for
/// all. `search`: part of an email address (at most 254 characters are used). `cursor`: the
/// previous page's `next_cursor`.
///
/// # Errors
/// 422 for an unknown status; 400 for a malformed cursor; 500 on database failure.
#[tracing::instrument(skip_all)]
pub async fn list(
    state: &AppState,
    user: &CurrentUser,
    status: Option<&str>,
    search: Option<&str>,
    cursor: Option<&str>,
) -> Result<InvitationPage, AppError> {
    list_filtered(
        state,
        user,
        &ListQuery {
            status,
            search,
            cursor,
            ..ListQuery::default()
        },
    )
    .await
}

/// The filters of the invitation list, as callers send them (all optional).
#[derive(Default)]
pub struct ListQuery<'a> {
    /// `pending`, `accepted`, `expired` or `revoked` (effective status).
    pub status: Option<&'a str>,
    /// Part of an email address.
    pub search: Option<&'a str>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<&'a str>,
    /// A role's wire name (`member`, `admin`, ...).
    pub role: Option<&'a str>,
    /// Created at or after this instant.
    pub created_from: Option<OffsetDateTime>,
    /// Created before this instant.
    pub created_to: Option<OffsetDateTime>,
}

/// [`list`] with every filter: also by role and by a created-at range `[from, to)`.
///
/// # Errors
/// 422 for an unknown status or role, or a range that ends before it starts; 400 for a
/// malformed cursor; 500 on database failure.
#[tracing::instrument(skip_all)]
pub async fn list_filtered(
    state: &AppState,
    user: &CurrentUser,
    q: &ListQuery<'_>,
) -> Result<InvitationPage, AppError> {
    let status = match q.status.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            InvitationStatus::parse(s)
                .ok_or_else(|| AppError::field("status", "Unknown status."))?,
        ),
    };
    let role = match q.role.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(r) if r.len() <= 32 && r.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') => {
            Some(r)
        }
        Some(_) => return Err(AppError::field("role", "Unknown role.")),
    };
    if let (Some(from), Some(to)) = (q.created_from, q.created_to) {
        if to <= from {
            return Err(AppError::field(
                "created_to",
                "The end of the range must come after its start.",
            ));
        }
    }
    let search = q
        .search
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.chars().take(254).collect::<String>());
    let before = match q.cursor.filter(|s| !s.is_empty()) {
        None => None,
        Some(c) => Some(decode_cursor(c).ok_or(AppError::BadRequest)?),
    };
    let mut rows = repo::list(
        &state.pool,
        &repo::ListFilter {
            org: scope_of(user),
            status,
            search: search.as_deref(),
            before,
            id: None,
            role,
            created_from: q.created_from,
            created_to: q.created_to,
            limit: PAGE_SIZE + 1,
        },
    )
    .await
    .map_err(AppError::internal("listing invitations failed"))?;
    let next_cursor = if rows.len() as i64 > PAGE_SIZE {
        rows.truncate(PAGE_SIZE as usize);
        rows.last().map(encode_cursor)
    } else {
        None
    };
    Ok(InvitationPage {
        invitations: rows.into_iter().map(summary).collect(),
        next_cursor,
    })
}

/// One invitation visible to `user`.
///
/// # Errors
/// 404 when it does not exist or lies outside `user`'s organisation (one answer for both);
/// 500 on database failure.
pub async fn one(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
) -> Result<InvitationSummary, AppError> {
    let rows = repo::list(
        &state.pool,
        &repo::ListFilter {
            org: scope_of(user),
            status: None,
            search: None,
            before: None,
            id: Some(id),
            role: None,
            created_from: None,
            created_to: None,
            limit: 1,
        },
    )
    .await
    .map_err(AppError::internal("loading an invitation failed"))?;
    rows.into_iter()
        .next()
        .map(summary)
        .ok_or_else(|| AppError::NotFound("That invitation does not exist.".into()))
}

/// The audit trail of invitation `id`, oldest first.
///
/// # Errors
/// 404 when it does not exist or lies outside `user`'s organisation; 500 on database failure.
#[tracing::instrument(skip_all)]
pub async fn history(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
) -> Result<Vec<AuditEvent>, AppError> {
    let rows = repo::history(&state.pool, id, scope_of(user))
        .await
        .map_err(AppError::internal("loading history failed"))?;
    if rows.is_empty() {
        return Err(AppError::NotFound("That invitation does not exist.".into()));
    }
    Ok(rows
        .into_iter()
        .map(|r| AuditEvent {
            detail: detail_text(&r.detail),
            action: r.action,
            actor: r.actor,
            at: r.occurred_at.unix_timestamp(),
            ip: r.ip,
            user_agent: r.user_agent,
        })
        .collect())
}

/// An audit event's details as compact text ("reason: left the company"), or `None` when it
/// has none. RFC 3339 timestamps read as [`format_utc`] dates.
pub fn detail_text(v: &serde_json::Value) -> Option<String> {
    let obj = v.as_object()?;
    let parts: Vec<String> = obj
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| {
            let key = k.replace('_', " ");
            match v {
                serde_json::Value::String(s) => match OffsetDateTime::parse(s, &Rfc3339) {
                    Ok(t) => format!("{key}: {}", format_utc(t.unix_timestamp())),
                    Err(_) => format!("{key}: {s}"),
                },
                other => format!("{key}: {other}"),
            }
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::{decode_cursor, detail_text};

    #[test]
    fn malformed_cursors_are_refused_without_panicking() {
        let id = "67e55044-10b1-426f-9247-bb680e5fe0c8";
        assert!(decode_cursor(&format!("1764511500000000.{id}")).is_some());
        for bad in [
            String::new(),
            ".".into(),
            format!("{}.{id}", i128::MAX),
            format!("{}.{id}", i128::MIN),
            format!("99999999999999999999999.{id}"),
            "12.not-a-uuid".into(),
            format!("-1.{id}.x"),
            "🙂.🙂".into(),
        ] {
            assert!(decode_cursor(&bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn details_read_as_text_with_dates_for_people() {
        let v = serde_json::json!({ "expires_at": "2026-11-30T14:05:00Z", "reason": "left",
                                    "partner_id": null, "count": 3 });
        assert_eq!(
            detail_text(&v).as_deref(),
            Some("count: 3, expires at: 2026-11-30 14:05 UTC, reason: left")
        );
        assert_eq!(detail_text(&serde_json::json!({})), None);
    }
}
