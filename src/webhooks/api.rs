//! The webhook server functions (`/rpc/integrations/webhooks/…`). Each checks the session and
//! the Integrations role itself and works on the signed-in person's own tenant; endpoint ids
//! of another tenant answer 404.

use crate::error::AppError;
use leptos::prelude::*;
use uuid::Uuid;

pub use super::dto::*;

/// Partner `partner`'s webhook section: endpoints, the event catalogue with what its scopes
/// allow, and its health.
///
/// # Errors
/// 401 without a session; 403 outside the Integrations area; 404 for another tenant's partner.
#[server(prefix = "/rpc", endpoint = "integrations/webhooks")]
pub async fn load_webhooks(partner: Uuid) -> Result<WebhookPanel, AppError> {
    let (state, user, _) = crate::auth::session::integrations_user().await?;
    super::service::panel(&state, &user, partner).await
}

/// Adds an endpoint; `event_types` is space-separated wire names. Returns the endpoint with
/// its signing secret, shown this once.
///
/// # Errors
/// As [`load_webhooks`]; 422 on `url`, `description` or `event_types`; 409 past 10 endpoints.
#[server(prefix = "/rpc", endpoint = "integrations/webhooks/add")]
pub async fn add_webhook_endpoint(
    partner: Uuid,
    url: String,
    description: String,
    event_types: String,
) -> Result<CreatedEndpoint, AppError> {
    let (state, user, ctx) = crate::auth::session::integrations_user().await?;
    let types: Vec<String> = event_types.split_whitespace().map(str::to_owned).collect();
    super::service::add_endpoint(
        &state,
        &user,
        &ctx,
        partner,
        &super::service::EndpointForm {
            url: &url,
            description: &description,
            event_types: &types,
        },
    )
    .await
}

/// A new signing secret for endpoint `id`, shown this once; the old one signs too for 24 hours.
///
/// # Errors
/// As [`load_webhooks`].
#[server(prefix = "/rpc", endpoint = "integrations/webhooks/rotate-secret")]
pub async fn rotate_webhook_secret(id: Uuid) -> Result<RotatedEndpointSecret, AppError> {
    let (state, user, ctx) = crate::auth::session::integrations_user().await?;
    super::service::rotate_secret(&state, &user, &ctx, id).await
}

/// Sends endpoint `id` a test event now and reports the answer.
///
/// # Errors
/// As [`load_webhooks`].
#[server(prefix = "/rpc", endpoint = "integrations/webhooks/test")]
pub async fn send_webhook_test(id: Uuid) -> Result<DeliveryResult, AppError> {
    let (state, user, ctx) = crate::auth::session::integrations_user().await?;
    super::service::send_test(&state, &user, &ctx, id, false).await
}

/// Sends disabled endpoint `id` a test event and enables it again if it answers 2xx.
///
/// # Errors
/// As [`load_webhooks`].
#[server(prefix = "/rpc", endpoint = "integrations/webhooks/reenable")]
pub async fn reenable_webhook_endpoint(id: Uuid) -> Result<DeliveryResult, AppError> {
    let (state, user, ctx) = crate::auth::session::integrations_user().await?;
    super::service::send_test(&state, &user, &ctx, id, true).await
}

/// Endpoint `id` and its newest 100 delivery attempts.
///
/// # Errors
/// As [`load_webhooks`].
#[server(prefix = "/rpc", endpoint = "integrations/webhooks/log")]
pub async fn load_webhook_log(id: Uuid) -> Result<DeliveryLog, AppError> {
    let (state, user, _) = crate::auth::session::integrations_user().await?;
    super::service::log(&state, &user, id).await
}

/// Queues message `message` of endpoint `id` again, due now, with the same id and body.
///
/// # Errors
/// As [`load_webhooks`]; 404 for a message of another endpoint.
#[server(prefix = "/rpc", endpoint = "integrations/webhooks/replay")]
pub async fn replay_webhook_message(id: Uuid, message: Uuid) -> Result<(), AppError> {
    let (state, user, ctx) = crate::auth::session::integrations_user().await?;
    super::service::replay(&state, &user, &ctx, id, message).await
}

/// Partner `partner`'s schema mapping: rules in use, reachable fields, events for the preview.
///
/// # Errors
/// As [`load_webhooks`].
#[server(prefix = "/rpc", endpoint = "integrations/webhooks/mapping")]
pub async fn load_webhook_mapping(partner: Uuid) -> Result<MappingEditor, AppError> {
    let (state, user, _) = crate::auth::session::integrations_user().await?;
    super::service::mapping_editor(&state, &user, partner).await
}

/// The sample `data` of `event_type` before and after `rules` (a JSON array of rules).
///
/// # Errors
/// As [`load_webhooks`]; 422 on `rules` (naming the first bad rule) or `event_type`.
#[server(prefix = "/rpc", endpoint = "integrations/webhooks/mapping/preview")]
pub async fn preview_webhook_mapping(
    partner: Uuid,
    event_type: String,
    rules: String,
) -> Result<MappingPreview, AppError> {
    let (state, user, _) = crate::auth::session::integrations_user().await?;
    super::service::preview_mapping(&state, &user, partner, &event_type, &rules).await
}

/// Saves `rules` (a JSON array of rules) as the partner's next mapping version.
///
/// # Errors
/// As [`preview_webhook_mapping`].
#[server(prefix = "/rpc", endpoint = "integrations/webhooks/mapping/save")]
pub async fn save_webhook_mapping(partner: Uuid, rules: String) -> Result<MappingEditor, AppError> {
    let (state, user, ctx) = crate::auth::session::integrations_user().await?;
    super::service::save_mapping(&state, &user, &ctx, partner, &rules).await
}
