//! What the webhook pages show. No signing secret appears here except once, in
//! [`CreatedEndpoint`] and [`RotatedEndpointSecret`].

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One event type of the catalogue, and whether this partner's scopes let it receive it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventTypeDto {
    pub name: String,
    pub description: String,
    /// The partner's approved scopes cover it (PRIV-01).
    pub allowed: bool,
    /// The scope it needs, if any.
    pub scope: Option<String>,
}

/// A webhook endpoint as its page shows it. Times are Unix seconds, UTC.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointDto {
    pub id: Uuid,
    pub url: String,
    pub description: String,
    pub event_types: Vec<String>,
    pub enabled: bool,
    pub disabled_at: Option<i64>,
    pub disabled_reason: Option<String>,
    pub consecutive_failures: i32,
    pub last_success_at: Option<i64>,
    pub secret_created_at: i64,
    /// Until when the replaced signing secret still signs, after a rotation.
    pub previous_secret_expires_at: Option<i64>,
}

/// A partner's webhook section.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookPanel {
    pub partner_id: Uuid,
    pub partner_name: String,
    pub endpoints: Vec<EndpointDto>,
    pub catalogue: Vec<EventTypeDto>,
    /// An endpoint was disabled after failures and not re-enabled yet.
    pub degraded: bool,
    pub last_delivery_at: Option<i64>,
}

/// An endpoint just added, with its signing secret (`whsec_…`), shown this once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedEndpoint {
    pub endpoint: EndpointDto,
    pub secret: String,
}

/// A new signing secret, shown this once; the old one signs too until `previous_expires_at`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotatedEndpointSecret {
    pub secret: String,
    pub previous_expires_at: i64,
}

/// The answer to one delivery made while the person waited (a test event, a re-enable).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryResult {
    pub succeeded: bool,
    pub status_code: Option<u16>,
    pub duration_ms: i64,
    pub error: Option<String>,
    /// After a re-enable: whether the endpoint is enabled now.
    pub enabled: bool,
}

/// One attempt in an endpoint's delivery log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptDto {
    pub message_id: Uuid,
    /// The `webhook-id` header: `msg_` and the message id.
    pub webhook_id: String,
    pub event_type: String,
    pub at: i64,
    pub status_code: Option<i32>,
    pub duration_ms: i32,
    pub error: Option<String>,
    /// The first 1 KB of the answer.
    pub response_excerpt: Option<String>,
    /// `pending`, `delivered` or `failed`: the message's state now.
    pub message_status: String,
}

/// An endpoint's page: the endpoint and its newest attempts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryLog {
    pub partner_id: Uuid,
    pub partner_name: String,
    pub endpoint: EndpointDto,
    pub attempts: Vec<AttemptDto>,
}

/// A field a partner's schema mapping may name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingFieldDto {
    pub name: String,
    pub description: String,
    pub is_date: bool,
}

/// A partner's schema mapping editor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingEditor {
    pub partner_id: Uuid,
    /// The version in use; 0: none saved (data goes out as Gatehouse writes it).
    pub version: i32,
    pub rules: Vec<crate::domain::webhook_mapping::MappingRule>,
    /// The first of `event_types` before and after `rules`; `None` when it may receive none.
    pub preview: Option<MappingPreview>,
    /// The fields its scopes let the mapping name.
    pub fields: Vec<MappingFieldDto>,
    /// The events it may receive, for the preview.
    pub event_types: Vec<String>,
}

/// A sample event's `data` before and after the rules, as pretty JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingPreview {
    pub before: String,
    pub after: String,
}
