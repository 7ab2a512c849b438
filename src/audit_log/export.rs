//! `GET /audit-log/export.csv` and `GET /audit-log/export.jsonl`: the filtered audit log (the
//! same query string as the page's filter) as a spreadsheet-safe CSV file (cells that would
//! start a formula are neutralised, OWASP CSV Injection) or as JSON lines. Session only; the
//! same roles and organisations as the page.

use super::dto::{AuditEventDto, AuditQuery};
use crate::{
    auth::session::optional_user, domain::bulk_csv::neutralise, error::AppError, state::AppState,
};
use axum::{
    extract::{Query, State},
    response::Response,
};
use tower_sessions::Session;

async fn events(
    state: &AppState,
    session: &Session,
    q: &AuditQuery,
) -> Result<Vec<AuditEventDto>, AppError> {
    let user = optional_user(state, session)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    super::service::export(state, &user, q).await
}

fn rfc3339(at: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(at)
        .map(crate::domain::rfc3339)
        .unwrap_or_default()
}

/// The CSV export: a header row, then one row per event, newest first.
pub async fn csv(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<AuditQuery>,
) -> Response {
    let rows = match events(&state, &session, &q).await {
        Ok(rows) => rows,
        Err(e) => return crate::downloads::refused(e),
    };
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let header = [
        "id",
        "occurred_at",
        "organisation",
        "actor_kind",
        "actor",
        "action",
        "subject_type",
        "subject_id",
        "subject",
        "ip",
        "request_id",
        "detail",
    ];
    let mut ok = w.write_record(header).is_ok();
    for e in rows {
        let record = [
            e.id.to_string(),
            rfc3339(e.at),
            neutralise(&e.organisation),
            e.actor_kind,
            neutralise(&e.actor),
            e.action,
            e.subject_type,
            e.subject_id.to_string(),
            neutralise(e.subject.as_deref().unwrap_or("")),
            e.ip.unwrap_or_default(),
            e.request_id.unwrap_or_default(),
            neutralise(&e.detail),
        ];
        ok &= w.write_record(&record).is_ok();
    }
    match w.into_inner() {
        Ok(bytes) if ok => crate::downloads::attachment(
            "text/csv; charset=utf-8",
            "audit-log.csv",
            String::from_utf8_lossy(&bytes).into_owned(),
        ),
        _ => crate::downloads::refused(AppError::Internal),
    }
}

/// The JSON lines export: one object per event, newest first, `detail` as JSON.
pub async fn jsonl(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<AuditQuery>,
) -> Response {
    let rows = match events(&state, &session, &q).await {
        Ok(rows) => rows,
        Err(e) => return crate::downloads::refused(e),
    };
    let mut out = String::new();
    for e in rows {
        let detail: serde_json::Value =
            serde_json::from_str(&e.detail).unwrap_or(serde_json::Value::Null);
        let line = serde_json::json!({
            "id": e.id,
            "occurred_at": rfc3339(e.at),
            "organisation": e.organisation,
            "actor_kind": e.actor_kind,
            "actor": e.actor,
            "action": e.action,
            "subject_type": e.subject_type,
            "subject_id": e.subject_id,
            "subject": e.subject,
            "ip": e.ip,
            "request_id": e.request_id,
            "detail": detail,
        });
        out.push_str(&line.to_string());
        out.push('\n');
    }
    crate::downloads::attachment(
        "application/x-ndjson; charset=utf-8",
        "audit-log.jsonl",
        out,
    )
}
