//! `POST /api/invitations/bulk` (CSV or a JSON array; `?dry_run=true` writes nothing), the
//! job's progress and its result file.

use super::{
    idempotent, require_csv_or_json, respond, ApiCaller, ApiResult, Problem, ProblemResponse,
};
use crate::{
    domain::bulk_csv::{CsvInvitee, MAX_ROWS},
    error::AppError,
    invitations::{
        dto::{BulkJobStatus, BulkPreview},
        service::bulk,
    },
    state::AppState,
};
use axum::{
    body::Bytes,
    extract::{Path, Query, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Options of a bulk upload.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct BulkParams {
    /// `true`: check every row and write nothing.
    pub dry_run: Option<String>,
    /// Platform admins only: the organisation to invite into.
    pub organisation_id: Option<String>,
}

/// One invitee of a JSON bulk upload (the CSV file's columns).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct BulkRow {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub role: String,
    pub designation: Option<String>,
    pub department: Option<String>,
    /// 1 to 30 (default: the server's setting).
    pub expires_in_days: Option<u32>,
}

/// A confirmed import: the job (follow it at `Location`) and every row's verdict.
#[derive(Debug, Serialize, ToSchema)]
pub struct BulkAccepted {
    pub job: BulkJobStatus,
    pub preview: BulkPreview,
}

fn rows_from(headers: &HeaderMap, body: &[u8]) -> ApiResult<Vec<CsvInvitee>> {
    if require_csv_or_json(headers)? {
        return Ok(bulk::read_csv(body)?);
    }
    let rows: Vec<BulkRow> = super::parse_json(body)?;
    if rows.is_empty() {
        return Err(AppError::field("file", "Send at least one invitee.").into());
    }
    if rows.len() > MAX_ROWS {
        return Err(AppError::field("file", "Send at most 10,000 invitees at once.").into());
    }
    Ok(rows
        .into_iter()
        .enumerate()
        .map(|(i, r)| CsvInvitee {
            row_no: u32::try_from(i + 1).unwrap_or(u32::MAX),
            email: r.email,
            first_name: r.first_name,
            last_name: r.last_name,
            role: r.role,
            designation: r.designation.unwrap_or_default(),
            department: r.department.unwrap_or_default(),
            expires_in_days: r.expires_in_days.map(|d| d.to_string()).unwrap_or_default(),
        })
        .collect())
}

/// Invites many people at once: a CSV file (`text/csv`: UTF-8, comma or semicolon, a header
/// row with email, first_name, last_name, role and optionally designation, department,
/// expires_in_days) or a JSON array of the same fields. With `?dry_run=true` every row gets
/// its verdict and nothing is written; otherwise the valid rows are written by a background
/// job, answered 202 with the job at `Location`.
#[utoipa::path(post, path = "/api/invitations/bulk", tag = "invitations",
    params(BulkParams,
           ("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for 24 hours")),
    request_body(content = Vec<BulkRow>, description = "A JSON array, or a CSV file as text/csv"),
    security(("api_token" = []), ("session" = [])),
    responses(
        (status = 200, body = BulkPreview, description = "The dry run"),
        (status = 202, body = BulkAccepted, description = "Queued; Location names the job"),
        (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"), (status = 415, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn upload(
    State(state): State<AppState>,
    caller: ApiCaller,
    params: Result<Query<BulkParams>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Ok(Query(params)) = params else {
        return ProblemResponse::new(StatusCode::BAD_REQUEST, "Unreadable query parameters.")
            .into_response();
    };
    let dry_run = matches!(params.dry_run.as_deref(), Some("true" | "1"));
    let org = params.organisation_id.clone();
    if dry_run {
        return respond(
            async {
                let rows = rows_from(&headers, &body)?;
                Ok::<_, ProblemResponse>(Json(
                    bulk::preview(&state, &caller.user, org.as_deref(), rows).await?,
                ))
            }
            .await,
        );
    }
    let path = format!(
        "/api/invitations/bulk?organisation_id={}",
        org.as_deref().unwrap_or("")
    );
    idempotent(&state, &caller, &headers, &path, &body, || async {
        let rows = rows_from(&headers, &body)?;
        let (preview, job) =
            bulk::start(&state, &caller.user, &caller.actor, org.as_deref(), rows).await?;
        let location = format!("/api/invitations/bulk/{}", job.id);
        let mut res = (StatusCode::ACCEPTED, Json(BulkAccepted { job, preview })).into_response();
        if let Ok(v) = HeaderValue::from_str(&location) {
            res.headers_mut().insert(header::LOCATION, v);
        }
        Ok(res)
    })
    .await
}

/// A bulk import's progress. Another organisation's answers 404, like an unknown id.
#[utoipa::path(get, path = "/api/invitations/bulk/{id}", tag = "invitations",
    params(("id" = Uuid, Path, description = "Import id")),
    security(("api_token" = []), ("session" = [])),
    responses((status = 200, body = BulkJobStatus),
              (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn progress(
    State(state): State<AppState>,
    caller: ApiCaller,
    id: Result<Path<Uuid>, axum::extract::rejection::PathRejection>,
) -> ApiResult<Json<BulkJobStatus>> {
    let Path(id) = id.map_err(|_| no_import())?;
    Ok(Json(bulk::status(&state, &caller.user, id).await?))
}

fn no_import() -> ProblemResponse {
    ProblemResponse::new(StatusCode::NOT_FOUND, "There is no such import.")
}

/// A bulk import's result file: `row,email,outcome,invitation_id,error`, one line per row of
/// the upload, formula-like cells neutralised.
#[utoipa::path(get, path = "/api/invitations/bulk/{id}/result.csv", tag = "invitations",
    params(("id" = Uuid, Path, description = "Import id")),
    security(("api_token" = []), ("session" = [])),
    responses((status = 200, content_type = "text/csv", body = String),
              (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn result(
    State(state): State<AppState>,
    caller: ApiCaller,
    id: Result<Path<Uuid>, axum::extract::rejection::PathRejection>,
) -> Response {
    let Ok(Path(id)) = id else {
        return no_import().into_response();
    };
    match bulk::result_csv(&state, &caller.user, id).await {
        Ok(csv) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"invitations-{id}.csv\""),
                ),
            ],
            csv,
        )
            .into_response(),
        Err(e) => ProblemResponse::from(e).into_response(),
    }
}
