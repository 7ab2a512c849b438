//! A partner's schema mapping (spec 001 `SchemaMapping`): the editor, the preview of a sample
//! event, and saving a version. The rules themselves and the one function that applies them,
//! for previews and deliveries alike, are [`crate::domain::webhook_mapping`].

use super::{covered, partner_of, DB};
use crate::{
    audit::{self, Actor, Event, PartnerAction, Subject},
    auth::session::CurrentUser,
    domain::{
        webhook_mapping::{self as mapping, MappingRule},
        Scope, WebhookEventType,
    },
    error::AppError,
    partners::repo::PartnerRow,
    security::RequestContext,
    state::AppState,
    webhooks::{
        dto::{MappingEditor, MappingFieldDto, MappingPreview},
        repo,
    },
};
use serde_json::{json, Value};
use uuid::Uuid;

/// Partner `id`'s schema mapping editor: the rules in use, the fields its scopes reach, the
/// events it may receive (for the preview), and the preview of the first of them under the rules
/// in use (so the page shows one without a second request).
///
/// # Errors
/// As [`panel`].
pub async fn mapping_editor(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
) -> Result<MappingEditor, AppError> {
    let p = partner_of(state, user, id).await?;
    let current = repo::mapping(&state.pool, id)
        .await
        .map_err(AppError::internal::<sqlx::Error>(DB))?;
    let scopes = scopes_of(&p);
    let (version, rules) = match current {
        Some((v, rules)) => (v, serde_json::from_value(rules).unwrap_or_default()),
        None => (0, Vec::new()),
    };
    let event_types: Vec<WebhookEventType> = WebhookEventType::ALL
        .into_iter()
        .filter(|t| covered(*t, &p.scopes))
        .collect();
    Ok(MappingEditor {
        partner_id: id,
        version,
        preview: event_types.first().map(|t| preview_of(*t, &rules)),
        rules,
        fields: mapping::reachable_fields(&scopes)
            .into_iter()
            .map(|f| MappingFieldDto {
                name: f.name.to_owned(),
                description: f.description.to_owned(),
                is_date: f.is_date,
            })
            .collect(),
        event_types: event_types
            .into_iter()
            .map(|t| t.as_str().to_owned())
            .collect(),
    })
}

/// The sample data of `t` before and after `rules`, as pretty JSON.
fn preview_of(t: WebhookEventType, rules: &[MappingRule]) -> MappingPreview {
    let before = mapping::sample_data(t);
    let after = mapping::apply(rules, &before);
    let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_default();
    MappingPreview {
        before: pretty(&before),
        after: pretty(&after),
    }
}

fn scopes_of(p: &PartnerRow) -> Vec<Scope> {
    p.scopes.iter().filter_map(|s| Scope::parse(s)).collect()
}

/// `rules` (JSON, an array of rules) checked for partner `p`.
fn parse_rules(p: &PartnerRow, rules: &str) -> Result<Vec<MappingRule>, AppError> {
    let rules: Vec<MappingRule> = serde_json::from_str(rules)
        .map_err(|_| AppError::field("rules", "The rules could not be read; reload the page."))?;
    mapping::check(&rules, &scopes_of(p)).map_err(|e| AppError::field("rules", e))?;
    Ok(rules)
}

/// The sample data of `event_type` before and after `rules`, as the preview shows them (the
/// same function maps what is delivered).
///
/// # Errors
/// As [`panel`]; 422 on `rules` or `event_type`.
pub async fn preview_mapping(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    event_type: &str,
    rules: &str,
) -> Result<MappingPreview, AppError> {
    let p = partner_of(state, user, id).await?;
    let rules = parse_rules(&p, rules)?;
    let t = WebhookEventType::parse(event_type)
        .filter(|t| covered(*t, &p.scopes))
        .ok_or_else(|| AppError::field("event_type", "Choose an event this partner receives."))?;
    Ok(preview_of(t, &rules))
}

/// Saves `rules` as partner `id`'s next mapping version, in use for every message queued from
/// now on. Audited as `webhook_mapping_changed`.
///
/// # Errors
/// As [`preview_mapping`].
pub async fn save_mapping(
    state: &AppState,
    user: &CurrentUser,
    ctx: &RequestContext,
    id: Uuid,
    rules: &str,
) -> Result<MappingEditor, AppError> {
    let p = partner_of(state, user, id).await?;
    let rules = parse_rules(&p, rules)?;
    let db = AppError::internal::<sqlx::Error>(DB);
    let value = serde_json::to_value(&rules).map_err(|_| AppError::Internal)?;
    let mut tx = state.pool.begin().await.map_err(db)?;
    let version = repo::insert_mapping(&mut tx, id, &value, user.user_id)
        .await
        .map_err(db)?;
    audit::record(
        &mut *tx,
        Event {
            organisation_id: user.org_id,
            subject: Subject::Partner(id, PartnerAction::WebhookMappingChanged),
            actor: Actor::User(user.user_id),
            ctx,
            detail: json!({ "version": version, "rules": rules.len() }),
        },
    )
    .await
    .map_err(db)?;
    tx.commit().await.map_err(db)?;
    mapping_editor(state, user, id).await
}
