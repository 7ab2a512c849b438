//! First start and operator recovery: the platform organisation and the first admin's
//! invitation. Only invited people get accounts, so the first admin is invited too.

use crate::{
    domain::{EmailAddress, InvitationDraft, PersonName, Role},
    invitations::service::{self, Actor, InvitationError, NewInvitation},
    security::RequestContext,
    state::AppState,
};
use uuid::Uuid;

/// Name given to the platform organisation on first start.
pub const PLATFORM_NAME: &str = "Gatehouse";

/// The platform organisation's id, creating it if this is the first start.
///
/// # Errors
/// Database errors.
pub async fn ensure_platform_organisation(pool: &sqlx::PgPool) -> Result<Uuid, sqlx::Error> {
    crate::organisations::repo::ensure_platform(pool, PLATFORM_NAME).await
}

fn admin_invitation(org: Uuid, email: EmailAddress) -> NewInvitation {
    NewInvitation::new(
        org,
        InvitationDraft {
            email,
            first_name: PersonName::parse("Platform").expect("static"),
            last_name: PersonName::parse("Admin").expect("static"),
            role: Role::Admin,
            designation: None,
            department: None,
        },
    )
}

fn print_link(link: &str) {
    println!(
        "\n  Gatehouse has no users yet. The first admin completes registration here:\n\n    {link}\n"
    );
}

/// On a database with no users: makes sure the platform organisation exists and that the
/// bootstrap admin has a pending invitation, queues its email and prints the link to stdout.
/// If a pending one already exists (an earlier start made it), says how to get a fresh link.
///
/// # Errors
/// Database errors.
pub async fn run(state: &AppState) -> anyhow::Result<()> {
    let org = ensure_platform_organisation(&state.pool).await?;
    if crate::registration::repo::any_user(&state.pool).await? {
        return Ok(());
    }
    let email = state.config.bootstrap_admin_email.clone();
    let new = admin_invitation(org, email.clone());
    match service::create(state, &Actor::System, new, &RequestContext::default()).await {
        Ok(created) => print_link(&created.link),
        Err(InvitationError::AlreadyPending(_)) => println!(
            "\n  An invitation for the first admin ({email}) is already pending.\n  \
             Its link is in the first start's output{}; for a fresh one run:\n\n    \
             gatehouse admin-link\n",
            if state.config.dev_mailbox_enabled() {
                " and at /dev/mailbox"
            } else {
                ""
            }
        ),
        Err(e) => return Err(anyhow::anyhow!("bootstrap invitation failed: {e}")),
    }
    Ok(())
}

/// `gatehouse admin-link [EMAIL]`: revokes any pending platform-admin invitation for `email`
/// and issues a new one, returning its link (the operator lost the first one).
///
/// # Errors
/// If `email` already has an account, or on database errors.
pub async fn issue_admin_link(state: &AppState, email: EmailAddress) -> anyhow::Result<String> {
    let org = ensure_platform_organisation(&state.pool).await?;
    if crate::registration::repo::account_exists(&state.pool, email.as_str()).await? {
        anyhow::bail!("{email} already has an account; sign in at /login instead");
    }
    let pending =
        crate::invitations::repo::pending_for_email(&state.pool, org, email.as_str()).await?;
    let ctx = RequestContext::default();
    for id in pending {
        service::revoke(
            state,
            &Actor::System,
            id,
            Some(org),
            Some("superseded by gatehouse admin-link".into()),
            &ctx,
        )
        .await?;
    }
    let created =
        service::create(state, &Actor::System, admin_invitation(org, email), &ctx).await?;
    Ok(created.link)
}
