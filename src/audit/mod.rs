//! The one append-only audit trail (`audit_events`): what happened to which subject, who did
//! it, and from which request. Every feature writes through [`record`]; actions are typed per
//! subject ([`Subject`]), the actor has one shape ([`Actor`]), and every event carries the
//! request id, client IP and user agent of [`RequestContext`].
//!
//! `detail` holds machine values only: ids, enum wire names, and timestamps as RFC 3339 UTC
//! strings ([`crate::domain::rfc3339`]); never a token, code, secret or text formatted for display.
//! Source: OWASP ASVS 5.0 V16.2 (log content) and V16.3 (security events).

mod actions;

pub use actions::{
    ApiTokenAction, CredentialInvitationAction, InvitationAction, InviteCodeAction,
    OrganisationAction, PartnerAction, WebhookEndpointAction,
};

use crate::security::RequestContext;
use sqlx::PgExecutor;
use uuid::Uuid;

/// Who caused an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in person.
    User(Uuid),
    /// A partner's OAuth client, through the partner API.
    PartnerClient(Uuid),
    /// An organisation's API token, through the REST API.
    ApiToken(Uuid),
    /// Gatehouse itself: bootstrap, the CLI, background jobs.
    System,
    /// Someone unauthenticated: an invitee opening a link, a person redeeming a code, a
    /// partner's tech lead on the credential page.
    Anonymous,
}

impl Actor {
    /// The stored `actor_kind`.
    pub fn kind(self) -> &'static str {
        match self {
            Self::User(_) => "user",
            Self::PartnerClient(_) => "partner_client",
            Self::ApiToken(_) => "api_token",
            Self::System => "system",
            Self::Anonymous => "anonymous",
        }
    }

    /// The acting user, if a user acted.
    pub fn user_id(self) -> Option<Uuid> {
        match self {
            Self::User(id) => Some(id),
            _ => None,
        }
    }

    /// The acting partner, if a partner's client acted.
    pub fn partner_id(self) -> Option<Uuid> {
        match self {
            Self::PartnerClient(id) => Some(id),
            _ => None,
        }
    }

    /// The acting API token, if a machine acted with one.
    pub fn api_token_id(self) -> Option<Uuid> {
        match self {
            Self::ApiToken(id) => Some(id),
            _ => None,
        }
    }
}

/// What an event is about, with the action that happened to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    Invitation(Uuid, InvitationAction),
    InviteCode(Uuid, InviteCodeAction),
    Partner(Uuid, PartnerAction),
    CredentialInvitation(Uuid, CredentialInvitationAction),
    ApiToken(Uuid, ApiTokenAction),
    /// The organisation itself (its settings); the id is the organisation's.
    Organisation(Uuid, OrganisationAction),
    WebhookEndpoint(Uuid, WebhookEndpointAction),
}

impl Subject {
    /// The stored `subject_type`.
    pub fn kind(self) -> &'static str {
        match self {
            Self::Invitation(..) => "invitation",
            Self::InviteCode(..) => "invite_code",
            Self::Partner(..) => "partner",
            Self::CredentialInvitation(..) => "credential_invitation",
            Self::ApiToken(..) => "api_token",
            Self::Organisation(..) => "organisation",
            Self::WebhookEndpoint(..) => "webhook_endpoint",
        }
    }

    /// The subject's id.
    pub fn id(self) -> Uuid {
        match self {
            Self::Invitation(id, _)
            | Self::InviteCode(id, _)
            | Self::Partner(id, _)
            | Self::CredentialInvitation(id, _)
            | Self::ApiToken(id, _)
            | Self::Organisation(id, _)
            | Self::WebhookEndpoint(id, _) => id,
        }
    }

    /// The stored `action`.
    pub fn action(self) -> &'static str {
        match self {
            Self::Invitation(_, a) => a.as_str(),
            Self::InviteCode(_, a) => a.as_str(),
            Self::Partner(_, a) => a.as_str(),
            Self::CredentialInvitation(_, a) => a.as_str(),
            Self::ApiToken(_, a) => a.as_str(),
            Self::Organisation(_, a) => a.as_str(),
            Self::WebhookEndpoint(_, a) => a.as_str(),
        }
    }
}

/// One event to append.
#[derive(Debug)]
pub struct Event<'a> {
    /// The organisation the subject belongs to.
    pub organisation_id: Uuid,
    pub subject: Subject,
    pub actor: Actor,
    pub ctx: &'a RequestContext,
    /// A JSON object of machine values (see the module documentation).
    pub detail: serde_json::Value,
}

/// The log target of the line [`record`] writes for each event; `RUST_LOG=…,audit=info` turns
/// those lines on.
pub const LOG_TARGET: &str = "audit";

/// Appends `event`, in the caller's transaction when `db` is one, and logs it at `info` under
/// the target [`LOG_TARGET`]. The default filter leaves that line out
/// ([`crate::telemetry::DEFAULT_FILTER`]): the table is the record, and a line for every page
/// view (`viewed`) cost a formatted event and a write to standard output on every request
/// (docs/PERFORMANCE.md, G1).
///
/// # Errors
/// Database errors.
pub async fn record<'c>(db: impl PgExecutor<'c>, event: Event<'_>) -> Result<(), sqlx::Error> {
    let Event {
        organisation_id,
        subject,
        actor,
        ctx,
        detail,
    } = event;
    // The IP is bound as text (sqlx maps `inet` only with an extra feature) and cast here.
    sqlx::query!(
        "INSERT INTO audit_events (organisation_id, subject_type, subject_id, action, actor_kind,
                actor_user_id, actor_partner_id, actor_api_token_id, ip, user_agent, request_id,
                detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text::inet, $10, $11, $12)",
        organisation_id,
        subject.kind(),
        subject.id(),
        subject.action(),
        actor.kind(),
        actor.user_id(),
        actor.partner_id(),
        actor.api_token_id(),
        ctx.ip.map(|ip| ip.to_string()),
        ctx.user_agent.as_deref(),
        ctx.request_id.as_deref(),
        detail,
    )
    .execute(db)
    .await?;
    tracing::info!(
        target: LOG_TARGET,
        subject_type = subject.kind(),
        subject_id = %subject.id(),
        action = subject.action(),
        actor = actor.kind(),
        "audit event"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_and_actors_have_one_wire_name_each() {
        let id = Uuid::nil();
        let s = Subject::CredentialInvitation(id, CredentialInvitationAction::Accepted);
        assert_eq!(
            (s.kind(), s.action()),
            ("credential_invitation", "credentials_accepted")
        );
        assert_eq!(Actor::PartnerClient(id).kind(), "partner_client");
        assert_eq!(Actor::PartnerClient(id).partner_id(), Some(id));
        assert_eq!(Actor::Anonymous.user_id(), None);
    }
}
