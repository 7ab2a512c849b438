//! The audit log's rules: who may read it (invitation managers: admins, association managers,
//! company owners), which organisations they see (their own; platform admins every one), and
//! the filter, checked field by field.

use super::{
    dto::{AuditEventDto, AuditPage, AuditQuery},
    repo::{self, EventRow, Filter},
};
use crate::{
    audit::{
        ApiTokenAction, CredentialInvitationAction, InvitationAction, InviteCodeAction,
        OrganisationAction, PartnerAction, WebhookEndpointAction,
    },
    auth::session::CurrentUser,
    error::{AppError, FieldErrors},
    state::AppState,
};
use time::{macros::format_description, Date, OffsetDateTime, Time};

/// Events per page.
pub const PAGE_SIZE: i64 = 50;
/// Most events one export holds (the newest); narrow the filter for older ones.
pub const EXPORT_LIMIT: i64 = 100_000;
/// The subject types, as stored.
pub const SUBJECT_TYPES: [&str; 7] = [
    "invitation",
    "invite_code",
    "partner",
    "credential_invitation",
    "api_token",
    "organisation",
    "webhook_endpoint",
];

/// Every action name, sorted, once each.
pub fn action_names() -> Vec<String> {
    let mut all: Vec<String> = InvitationAction::ALL
        .iter()
        .map(|a| a.as_str())
        .chain(InviteCodeAction::ALL.iter().map(|a| a.as_str()))
        .chain(PartnerAction::ALL.iter().map(|a| a.as_str()))
        .chain(CredentialInvitationAction::ALL.iter().map(|a| a.as_str()))
        .chain(ApiTokenAction::ALL.iter().map(|a| a.as_str()))
        .chain(OrganisationAction::ALL.iter().map(|a| a.as_str()))
        .chain(WebhookEndpointAction::ALL.iter().map(|a| a.as_str()))
        .map(str::to_owned)
        .collect();
    all.sort();
    all.dedup();
    all
}

/// Who may read the audit log.
pub fn may_read(user: &CurrentUser) -> bool {
    user.role.can_manage_invitations(user.org_kind)
}

/// A checked filter: owned parts the repo filter borrows.
struct Checked {
    action: Option<String>,
    subject: Option<String>,
    actor_like: Option<String>,
    from: Option<OffsetDateTime>,
    until: Option<OffsetDateTime>,
}

fn day(errs: &mut FieldErrors, field: &'static str, s: &str) -> Option<Date> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    errs.check(
        field,
        Date::parse(s, format_description!("[year]-[month]-[day]"))
            .map_err(|_| "Enter a date as YYYY-MM-DD."),
    )
}

/// Checks `q`. `%`, `_` and `\` in the actor text match themselves.
fn check(q: &AuditQuery) -> Result<Checked, AppError> {
    let mut errs = FieldErrors::default();
    let action = q.action.trim();
    if !action.is_empty() && !action_names().iter().any(|a| a == action) {
        errs.add("action", "Choose an action from the list.");
    }
    let subject = q.subject.trim();
    if !subject.is_empty() && !SUBJECT_TYPES.contains(&subject) {
        errs.add("subject", "Choose a subject from the list.");
    }
    let actor = q.actor.trim();
    if actor.chars().count() > 200 {
        errs.add("actor", "Use at most 200 characters.");
    }
    let from = day(&mut errs, "from", &q.from);
    let to = day(&mut errs, "to", &q.to);
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            errs.add("to", "The last day cannot be before the first.");
        }
    }
    errs.finish()?;
    let escaped: String = actor
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    Ok(Checked {
        action: (!action.is_empty()).then(|| action.to_owned()),
        subject: (!subject.is_empty()).then(|| subject.to_owned()),
        actor_like: (!actor.is_empty()).then(|| format!("%{escaped}%")),
        from: from.map(|d| d.with_time(Time::MIDNIGHT).assume_utc()),
        until: to
            .and_then(|d| d.next_day())
            .map(|d| d.with_time(Time::MIDNIGHT).assume_utc()),
    })
}

/// The events `user` may read that match `q`, at most `limit`, newest first.
async fn fetch(
    state: &AppState,
    user: &CurrentUser,
    q: &AuditQuery,
    limit: i64,
) -> Result<Vec<EventRow>, AppError> {
    if !may_read(user) {
        return Err(AppError::Forbidden);
    }
    let c = check(q)?;
    let filter = Filter {
        organisation: (!user.is_platform_admin()).then_some(user.org_id),
        action: c.action.as_deref(),
        subject_type: c.subject.as_deref(),
        actor_like: c.actor_like.as_deref(),
        from: c.from,
        until: c.until,
        before: q.before,
    };
    repo::events(&state.pool, &filter, limit)
        .await
        .map_err(AppError::internal::<sqlx::Error>(
            "reading the audit log failed",
        ))
}

fn dto(r: EventRow) -> AuditEventDto {
    let actor = match (r.actor_kind.as_str(), r.actor_name) {
        (_, Some(name)) => name,
        ("system", None) => "Gatehouse".to_owned(),
        ("anonymous", None) => "Anonymous".to_owned(),
        (kind, None) => kind.replace('_', " "),
    };
    AuditEventDto {
        id: r.id,
        at: r.occurred_at.unix_timestamp(),
        organisation: r.organisation,
        actor_kind: r.actor_kind,
        actor,
        action: r.action,
        subject_type: r.subject_type,
        subject_id: r.subject_id,
        subject: r.subject_name,
        ip: r.ip,
        request_id: r.request_id,
        detail: r.detail.to_string(),
    }
}

/// One page of the audit log ([`PAGE_SIZE`] events).
///
/// # Errors
/// 403 for roles that may not read it; 422 per bad filter field; 500 on database failure.
pub async fn page(
    state: &AppState,
    user: &CurrentUser,
    q: &AuditQuery,
) -> Result<AuditPage, AppError> {
    let mut rows = fetch(state, user, q, PAGE_SIZE + 1).await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let next_cursor = more.then(|| rows.last().map(|r| r.id)).flatten();
    Ok(AuditPage {
        events: rows.into_iter().map(dto).collect(),
        next_cursor,
        all_organisations: user.is_platform_admin(),
        actions: action_names(),
    })
}

/// Every event matching `q` (the newest [`EXPORT_LIMIT`]), for an export.
///
/// # Errors
/// As [`page`].
pub async fn export(
    state: &AppState,
    user: &CurrentUser,
    q: &AuditQuery,
) -> Result<Vec<AuditEventDto>, AppError> {
    Ok(fetch(state, user, q, EXPORT_LIMIT)
        .await?
        .into_iter()
        .map(dto)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_checked_and_the_actor_text_matches_literally() {
        let q = AuditQuery {
            actor: "50%_off\\".into(),
            from: "2026-12-01".into(),
            to: "2026-12-01".into(),
            ..AuditQuery::default()
        };
        let c = check(&q).unwrap();
        assert_eq!(c.actor_like.as_deref(), Some("%50\\%\\_off\\\\%"));
        assert_eq!(
            c.until.unwrap() - c.from.unwrap(),
            time::Duration::days(1),
            "the last day is inclusive"
        );
        for bad in [
            AuditQuery {
                action: "deleted_everything".into(),
                ..AuditQuery::default()
            },
            AuditQuery {
                subject: "users".into(),
                ..AuditQuery::default()
            },
            AuditQuery {
                from: "1/12/2026".into(),
                ..AuditQuery::default()
            },
            AuditQuery {
                from: "2026-12-02".into(),
                to: "2026-12-01".into(),
                ..AuditQuery::default()
            },
        ] {
            assert!(check(&bad).is_err(), "{bad:?}");
        }
        assert!(action_names().contains(&"client_secret_rotated".to_owned()));
    }
}
