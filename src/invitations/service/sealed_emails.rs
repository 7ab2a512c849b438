//! Emails rendered from an invitation's sealed token: the expiry reminder, and the invitation
//! email of a bulk import, which is queued without a body and rendered only as it leaves the
//! outbox ([`render_queued`]), so the one-time link is never stored in a message body.
//!
//! The token is kept sealed on the invitation ([`seal_token`]) from creation until the
//! reminder is claimed or the invitation stops being pending ([`super::reminders`]); a
//! reminder is not claimed while the invitation's first email still waits to be rendered.

use super::{format_expiry, registration_link};
use crate::{
    crypto::{EncryptionKeys, Sealed},
    domain::{EmailTemplateKind, InvitationToken, OrgKind, Role},
    email::templates::{self, Branding, RenderedEmail},
    invitations::repo::reminders::{self as repo, SealedInvitation},
    state::AppState,
};
use sqlx::PgConnection;
use std::collections::HashMap;
use uuid::Uuid;

/// The associated data of invitation `invitation_id`'s sealed token (binds the ciphertext to
/// its invitation, so it opens for no other row).
fn aad(invitation_id: Uuid) -> Vec<u8> {
    format!("invitation:{invitation_id}:reminder").into_bytes()
}

/// Seals `token` of invitation `invitation_id` with AES-256-GCM under `keys` (OWASP ASVS 5.0
/// V14.2.4: the link is secret data at rest), for the emails rendered from it later.
pub fn seal_token(keys: &EncryptionKeys, invitation_id: Uuid, token: &InvitationToken) -> Sealed {
    keys.seal(token.expose().as_bytes(), &aad(invitation_id))
}

/// Which email about a sealed invitation.
#[derive(Clone, Copy)]
pub(super) enum SealedEmail {
    Invitation,
    Reminder,
}

impl SealedEmail {
    fn template_kind(self) -> EmailTemplateKind {
        match self {
            Self::Invitation => EmailTemplateKind::Invitation,
            Self::Reminder => EmailTemplateKind::InvitationReminder,
        }
    }
}

/// Each organisation's branding of one email kind, loaded once per batch.
#[derive(Default)]
pub(super) struct Brandings(HashMap<Uuid, Branding>);

/// Renders email `which` of `inv` with its organisation's template, the link made from the
/// token opened out of `inv.sealed`. `Ok(None)` when the token does not open (its key was
/// retired): logged, nothing to send.
///
/// # Errors
/// Database errors loading the branding; a template that fails to render, as
/// `sqlx::Error::Protocol` (the caller's batch is not committed).
pub(super) async fn render(
    state: &AppState,
    conn: &mut PgConnection,
    brandings: &mut Brandings,
    inv: &SealedInvitation,
    which: SealedEmail,
) -> Result<Option<RenderedEmail>, sqlx::Error> {
    let token = state
        .config
        .encryption_keys
        .open(&inv.sealed, &aad(inv.id))
        .ok()
        .and_then(|t| String::from_utf8(t).ok())
        .and_then(|t| InvitationToken::parse(&t));
    let Some(token) = token else {
        tracing::warn!(invitation_id = %inv.id, "sealed invitation token does not open; no email");
        return Ok(None);
    };
    let kind = OrgKind::parse(&inv.organisation_kind).unwrap_or(OrgKind::Company);
    let role = Role::parse_for(&inv.role, kind)
        .map(|role| role.label(kind))
        .unwrap_or("Member");
    let branding = match brandings.0.entry(inv.organisation_id) {
        std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
        std::collections::hash_map::Entry::Vacant(e) => e.insert(
            crate::email_templates::service::branding(
                &mut *conn,
                inv.organisation_id,
                which.template_kind(),
            )
            .await?,
        ),
    };
    let email = templates::InvitationEmail {
        invitee_first_name: &inv.first_name,
        invitee_last_name: &inv.last_name,
        organisation: &inv.organisation_name,
        role,
        inviter: inv.inviter_name.as_deref(),
        link: &registration_link(state, &token, inv.organisation_id),
        expires: &format_expiry(inv.expires_at),
    };
    let rendered = match which {
        SealedEmail::Invitation => templates::invitation(branding, &email),
        SealedEmail::Reminder => templates::invitation_reminder(branding, &email),
    };
    rendered
        .map(Some)
        .map_err(|e| sqlx::Error::Protocol(format!("invitation email: {e}")))
}

/// The invitation emails of outbox messages `ids` queued with `render_at_send` (a bulk
/// import's), rendered now from each invitation's sealed token with its organisation's
/// current template, by message id. A message whose invitation is no longer pending, has
/// expired, whose token does not open or whose template no longer renders is left out (the
/// outbox marks it failed). This is the
/// outbox's [`crate::email::outbox::SendTimeRenderer`], wired in `startup`; the dev mailbox
/// shows queued messages through it too.
///
/// # Errors
/// Database errors.
pub async fn render_queued(
    state: &AppState,
    ids: &[i64],
) -> Result<HashMap<i64, RenderedEmail>, sqlx::Error> {
    let mut conn = state.pool.acquire().await?;
    let found = repo::for_messages(&mut *conn, ids).await?;
    let mut brandings = Brandings::default();
    let mut out = HashMap::with_capacity(found.len());
    for (message_id, inv) in &found {
        match render(
            state,
            &mut conn,
            &mut brandings,
            inv,
            SealedEmail::Invitation,
        )
        .await
        {
            Ok(Some(email)) => {
                out.insert(*message_id, email);
            }
            Ok(None) => {}
            // A template that no longer renders fails this message only (left out, so the
            // outbox marks it failed), never the batch it was claimed with.
            Err(sqlx::Error::Protocol(e)) => {
                tracing::error!(outbox_id = message_id, error = %e, "invitation email does not render; not sent");
            }
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}
