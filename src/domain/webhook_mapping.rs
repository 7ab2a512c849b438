//! Schema mapping of webhook data (spec 001 `SchemaMapping`): a partner's ordered rules that
//! rename, drop, add constant or reformat date fields of every message's `data` before it is
//! signed and sent. Rules may only name fields that the partner's scopes let it receive.

use super::{Scope, WebhookEventType};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Most rules in one mapping.
pub const MAX_RULES: usize = 30;
/// Longest target field name or constant value, in characters.
pub const MAX_NAME_CHARS: usize = 64;

/// How a date field is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateFormat {
    /// `2026-12-01T10:00:00Z` (RFC 3339, as Gatehouse sends it).
    Rfc3339,
    /// Unix seconds, a number.
    UnixSeconds,
    /// `2026-12-01`, the date alone.
    Date,
}

/// One rule, applied in order to a message's `data` object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum MappingRule {
    /// Field `field` is sent as `to`.
    Rename { field: String, to: String },
    /// Field `field` is left out.
    Drop { field: String },
    /// Field `field` is added (or replaced) with the text `value`.
    Constant { field: String, value: String },
    /// Date field `field` is written as `format`.
    DateFormat { field: String, format: DateFormat },
}

/// A field Gatehouse puts in event data, the events that carry it, and the scope it needs.
pub struct EventField {
    pub name: &'static str,
    pub description: &'static str,
    /// A date in RFC 3339.
    pub is_date: bool,
    pub scope: Option<Scope>,
}

/// Every field of every event's `data`.
pub const EVENT_FIELDS: [EventField; 10] = [
    EventField {
        name: "partner_id",
        description: "The partner's id.",
        is_date: false,
        scope: None,
    },
    EventField {
        name: "status",
        description: "The new status.",
        is_date: false,
        scope: None,
    },
    EventField {
        name: "endpoint_id",
        description: "The disabled endpoint (partner.degraded).",
        is_date: false,
        scope: None,
    },
    EventField {
        name: "environment",
        description: "sandbox or production (credential.submitted).",
        is_date: false,
        scope: None,
    },
    EventField {
        name: "provider_id",
        description: "The provider (credential.submitted).",
        is_date: false,
        scope: None,
    },
    EventField {
        name: "rotation_due_at",
        description: "When the submitted key is due for rotation.",
        is_date: true,
        scope: None,
    },
    EventField {
        name: "due_at",
        description: "When the client secret is due (client_secret.rotation_due).",
        is_date: true,
        scope: None,
    },
    EventField {
        name: "invitation_id",
        description: "The invitation (invitation events).",
        is_date: false,
        scope: Some(Scope::InvitationsRead),
    },
    EventField {
        name: "role",
        description: "The role offered (invitation.created).",
        is_date: false,
        scope: Some(Scope::InvitationsRead),
    },
    EventField {
        name: "expires_at",
        description: "When the invitation expires (invitation.created).",
        is_date: true,
        scope: Some(Scope::InvitationsRead),
    },
];

/// The fields `scopes` let a partner's mapping name.
pub fn reachable_fields(scopes: &[Scope]) -> Vec<&'static EventField> {
    EVENT_FIELDS
        .iter()
        .filter(|f| f.scope.is_none_or(|s| scopes.contains(&s)))
        .collect()
}

/// Sample `data` of event `t`, as the preview shows it.
pub fn sample_data(t: WebhookEventType) -> Value {
    let partner = "0b7c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d";
    match t {
        WebhookEventType::InvitationCreated => serde_json::json!({
            "invitation_id": "5f2e8c1a-9b3d-4e7f-a1c2-d3e4f5a6b7c8", "status": "pending",
            "role": "member", "expires_at": "2026-12-08T10:00:00Z" }),
        WebhookEventType::InvitationAccepted
        | WebhookEventType::InvitationRevoked
        | WebhookEventType::InvitationExpired => serde_json::json!({
            "invitation_id": "5f2e8c1a-9b3d-4e7f-a1c2-d3e4f5a6b7c8",
            "status": t.as_str().trim_start_matches("invitation.") }),
        WebhookEventType::PartnerDegraded => serde_json::json!({
            "partner_id": partner, "endpoint_id": "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d" }),
        WebhookEventType::CredentialSubmitted => serde_json::json!({
            "partner_id": partner, "environment": "sandbox",
            "provider_id": "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
            "rotation_due_at": "2027-03-01T10:00:00Z" }),
        WebhookEventType::ClientSecretRotationDue => serde_json::json!({
            "partner_id": partner, "due_at": "2027-03-01T10:00:00Z" }),
        _ => serde_json::json!({
            "partner_id": partner, "status": t.as_str().trim_start_matches("partner.") }),
    }
}

/// Checks `rules` for a partner holding `scopes`: each names a field its scopes reach (a
/// constant may add a new name), date formats only date fields, names and values are short,
/// at most [`MAX_RULES`].
///
/// # Errors
/// A sentence naming the first bad rule (counted from 1).
pub fn check(rules: &[MappingRule], scopes: &[Scope]) -> Result<(), String> {
    if rules.len() > MAX_RULES {
        return Err(format!("A mapping has at most {MAX_RULES} rules."));
    }
    let reachable = reachable_fields(scopes);
    let known = |name: &str| reachable.iter().find(|f| f.name == name);
    let name_ok = |s: &str| {
        !s.trim().is_empty()
            && s.chars().count() <= MAX_NAME_CHARS
            && s.chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '.')
    };
    for (i, rule) in rules.iter().enumerate() {
        let n = i + 1;
        match rule {
            MappingRule::Rename { field, to } => {
                if known(field).is_none() {
                    return Err(format!(
                        "Rule {n}: {field} is not a field this partner receives."
                    ));
                }
                if !name_ok(to) {
                    return Err(format!("Rule {n}: the new name must be 1 to {MAX_NAME_CHARS} letters, digits, _, - or ."));
                }
            }
            MappingRule::Drop { field } => {
                if known(field).is_none() {
                    return Err(format!(
                        "Rule {n}: {field} is not a field this partner receives."
                    ));
                }
            }
            MappingRule::Constant { field, value } => {
                if !name_ok(field) {
                    return Err(format!("Rule {n}: the field name must be 1 to {MAX_NAME_CHARS} letters, digits, _, - or ."));
                }
                if value.chars().count() > MAX_NAME_CHARS {
                    return Err(format!(
                        "Rule {n}: keep the value under {MAX_NAME_CHARS} characters."
                    ));
                }
            }
            MappingRule::DateFormat { field, .. } => match known(field) {
                Some(f) if f.is_date => {}
                Some(_) => return Err(format!("Rule {n}: {field} is not a date.")),
                None => {
                    return Err(format!(
                        "Rule {n}: {field} is not a field this partner receives."
                    ))
                }
            },
        }
    }
    Ok(())
}

/// Applies `rules` in order to `data` (an object; anything else is returned as it is).
/// Fields the rules do not name pass unchanged.
pub fn apply(rules: &[MappingRule], data: &Value) -> Value {
    let Value::Object(map) = data else {
        return data.clone();
    };
    let mut out: Map<String, Value> = map.clone();
    for rule in rules {
        match rule {
            MappingRule::Rename { field, to } => {
                if let Some(v) = out.remove(field) {
                    out.insert(to.clone(), v);
                }
            }
            MappingRule::Drop { field } => {
                out.remove(field);
            }
            MappingRule::Constant { field, value } => {
                out.insert(field.clone(), Value::String(value.clone()));
            }
            MappingRule::DateFormat { field, format } => {
                if let Some(Value::String(s)) = out.get(field) {
                    if let Some(v) = reformat(s, *format) {
                        out.insert(field.clone(), v);
                    }
                }
            }
        }
    }
    Value::Object(out)
}

/// `s` (RFC 3339) written as `format`; `None` if `s` is not a date.
fn reformat(s: &str, format: DateFormat) -> Option<Value> {
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
    Some(match format {
        DateFormat::Rfc3339 => Value::String(s.to_owned()),
        DateFormat::UnixSeconds => Value::from(t.unix_timestamp()),
        DateFormat::Date => Value::String(s.get(..10)?.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rules_rename_drop_add_and_reformat_in_order() {
        let rules = vec![
            MappingRule::Rename {
                field: "invitation_id".into(),
                to: "inviteId".into(),
            },
            MappingRule::Drop {
                field: "role".into(),
            },
            MappingRule::Constant {
                field: "source".into(),
                value: "gatehouse".into(),
            },
            MappingRule::DateFormat {
                field: "expires_at".into(),
                format: DateFormat::UnixSeconds,
            },
        ];
        let data = sample_data(WebhookEventType::InvitationCreated);
        assert_eq!(
            apply(&rules, &data),
            json!({ "inviteId": "5f2e8c1a-9b3d-4e7f-a1c2-d3e4f5a6b7c8", "status": "pending",
                    "source": "gatehouse", "expires_at": 1_796_724_000 })
        );
        let date = [MappingRule::DateFormat {
            field: "due_at".into(),
            format: DateFormat::Date,
        }];
        assert_eq!(
            apply(
                &date,
                &sample_data(WebhookEventType::ClientSecretRotationDue)
            )["due_at"],
            "2027-03-01"
        );
    }

    #[test]
    fn rules_reach_only_what_the_scopes_allow() {
        let rename = vec![MappingRule::Rename {
            field: "invitation_id".into(),
            to: "id".into(),
        }];
        assert!(check(&rename, &[Scope::PartnerPing])
            .unwrap_err()
            .contains("not a field"));
        assert!(check(&rename, &[Scope::InvitationsRead]).is_ok());
        let bad_date = vec![MappingRule::DateFormat {
            field: "status".into(),
            format: DateFormat::Date,
        }];
        assert!(check(&bad_date, &[]).unwrap_err().contains("not a date"));
        let bad_name = vec![MappingRule::Constant {
            field: "a b".into(),
            value: "x".into(),
        }];
        assert!(check(&bad_name, &[]).is_err());
        let drop_role = vec![MappingRule::Drop {
            field: "role".into(),
        }];
        assert!(check(&drop_role, &[Scope::InvitationsRead]).is_ok());
    }
}
