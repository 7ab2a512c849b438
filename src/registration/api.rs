//! Server functions of the registration page. They are public (the token is the credential)
//! and never spend a token except in the final submit.

use crate::error::AppError;
use leptos::prelude::*;

pub use super::dto::{InvitationPreview, RegistrationState};

/// Looks the invitation up without spending it, and records a `viewed` audit event when it is
/// open. Email link scanners fetch links; only [`complete_registration`] spends the token.
#[server(prefix = "/rpc", endpoint = "registration/view")]
pub async fn registration_view(token: String, org: String) -> Result<RegistrationState, AppError> {
    use crate::{auth::session, security::RequestContext};
    let ctx = RequestContext::current();
    let (state, web_session) = session::load().await?;
    let signed_in_as = session::optional_user(&state, &web_session)
        .await?
        .map(|u| u.email);
    super::service::view(&state, &ctx, &token, &org, signed_in_as).await
}

/// Completes registration: checks the password (length, confirmation, blocklist), then in one
/// transaction spends the token, creates the user and the membership with the organisation and
/// role from the invitation (never from the form), audits `accepted`; then signs the person in
/// with a new session id and redirects by role. Returns the destination path.
#[server(prefix = "/rpc", endpoint = "registration/complete")]
pub async fn complete_registration(
    token: String,
    org: String,
    first_name: String,
    last_name: String,
    password: String,
    password_confirmation: String,
) -> Result<String, AppError> {
    use crate::{auth::session, security::RequestContext};
    use secrecy::SecretString;
    let ctx = RequestContext::current();
    let (state, web_session) = session::load().await?;
    let admitted = super::service::complete(
        &state,
        &ctx,
        &token,
        &org,
        &first_name,
        &last_name,
        SecretString::from(password),
        SecretString::from(password_confirmation),
    )
    .await?;
    session::start(&web_session, admitted.user_id, admitted.organisation_id).await?;
    leptos_axum::redirect(admitted.dashboard_path);
    Ok(admitted.dashboard_path.to_owned())
}

/// Accepts the invitation with the signed-in account, whose email must match the invitation's.
/// Returns the destination path.
#[server(prefix = "/rpc", endpoint = "registration/accept")]
pub async fn accept_invitation(token: String, org: String) -> Result<String, AppError> {
    use crate::{auth::session, security::RequestContext};
    let ctx = RequestContext::current();
    let (state, web_session) = session::load().await?;
    let user = session::current_user(&state, &web_session).await?;
    let admitted = super::service::accept_signed_in(&state, &ctx, &user, &token, &org).await?;
    session::switch_organisation(&web_session, admitted.organisation_id).await?;
    leptos_axum::redirect(admitted.dashboard_path);
    Ok(admitted.dashboard_path.to_owned())
}

/// After expiry: asks the inviter for a new invitation. The answer is the same sentence
/// whatever is entered (no probing whether an address was invited); rate-limited per client.
/// Posted by the page's form (without scripts), it redirects to the page with
/// `reissue=requested`, which shows the answer.
#[server(prefix = "/rpc", endpoint = "registration/request-new")]
pub async fn request_new_invitation(
    token: String,
    org: String,
    email: String,
) -> Result<String, AppError> {
    use super::dto::{register_path, REISSUE_QUERY, REISSUE_REQUESTED};
    let ctx = crate::security::RequestContext::current();
    let plain_post = crate::error::is_plain_form_post();
    let state = expect_context::<crate::state::AppState>();
    let answer = super::service::request_reissue(&state, &ctx, &token, &org, &email).await?;
    if plain_post {
        // The page the form came from, told to show the answer: a plain redirect back to it
        // (the default) would show the form again.
        leptos_axum::redirect(&register_path(
            &token,
            &org,
            &[(REISSUE_QUERY, REISSUE_REQUESTED)],
        ));
    }
    Ok(answer)
}
