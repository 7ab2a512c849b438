//! `GET /analytics/export.csv`: the numbers of the analytics page (same query string) as CSV,
//! one `section,label,metric,value` row per number. Session only; the same roles and
//! organisations as the page. Labels from people (inviters' names) are neutralised against
//! spreadsheet formulas (OWASP CSV Injection).

use super::dto::AnalyticsQuery;
use crate::{
    auth::session::optional_user, domain::bulk_csv::neutralise, error::AppError, state::AppState,
};
use axum::{
    extract::{Query, State},
    response::Response,
};
use tower_sessions::Session;

/// The export handler.
pub async fn csv(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<AnalyticsQuery>,
) -> Response {
    let report = async {
        let user = optional_user(&state, &session)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        super::service::report(&state, &user, &q).await
    }
    .await;
    let r = match report {
        Ok(r) => r,
        Err(e) => return crate::downloads::refused(e),
    };
    let mut rows: Vec<[String; 4]> = Vec::new();
    let mut push = |section: &str, label: &str, metric: &str, value: String| {
        rows.push([
            section.to_owned(),
            neutralise(label),
            metric.to_owned(),
            value,
        ]);
    };
    let opt = |v: Option<f64>| v.map(|v| format!("{v:.3}")).unwrap_or_default();
    push("range", &r.scope, "from", r.from.clone());
    push("range", &r.scope, "to", r.to.clone());
    for (metric, value) in [
        ("sent", r.sent),
        ("viewed", r.viewed),
        ("accepted", r.accepted),
        ("pending", r.pending),
        ("expired", r.expired),
        ("revoked", r.revoked),
        ("codes_created", r.codes_created),
        ("code_redemptions", r.code_redemptions),
    ] {
        push("totals", "", metric, value.to_string());
    }
    push("totals", "", "acceptance_rate", opt(r.acceptance_rate));
    push(
        "totals",
        "",
        "median_seconds_to_accept",
        opt(r.median_seconds_to_accept),
    );
    push(
        "totals",
        "",
        "p90_seconds_to_accept",
        opt(r.p90_seconds_to_accept),
    );
    for p in &r.periods {
        for (metric, value) in [
            ("sent", p.sent),
            ("accepted", p.accepted),
            ("pending", p.pending),
            ("expired", p.expired),
            ("revoked", p.revoked),
        ] {
            push(&r.bucket, &p.period, metric, value.to_string());
        }
    }
    for (section, list) in [("role", &r.by_role), ("inviter", &r.by_inviter)] {
        for b in list {
            push(section, &b.label, "sent", b.sent.to_string());
            push(section, &b.label, "accepted", b.accepted.to_string());
        }
    }
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let mut ok = w
        .write_record(["section", "label", "metric", "value"])
        .is_ok();
    for row in &rows {
        ok &= w.write_record(row).is_ok();
    }
    match w.into_inner() {
        Ok(bytes) if ok => crate::downloads::attachment(
            "text/csv; charset=utf-8",
            &format!("analytics-{}-{}.csv", r.from, r.to),
            String::from_utf8_lossy(&bytes).into_owned(),
        ),
        _ => crate::downloads::refused(AppError::Internal),
    }
}
