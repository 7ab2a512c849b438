//! The audit log over HTTP: one organisation's events across subjects (every organisation's
//! for platform admins), its filters, keyset pages, and the CSV and JSON lines exports of the
//! filtered set.

use crate::helpers::{spawn_app, Browser, TestApp};
use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

async fn list(app: &TestApp, b: &mut Browser, form: &[(&str, &str)]) -> reqwest::Response {
    app.post(b, "/rpc/audit-log/list", form).await
}

async fn page(app: &TestApp, b: &mut Browser, form: &[(&str, &str)]) -> Value {
    let res = list(app, b, form).await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    res.json().await.unwrap()
}

fn actions(p: &Value) -> Vec<String> {
    p["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

/// A company whose owner invited two people, revoked one and made an API token.
async fn busy_company(app: &TestApp) -> (Uuid, Browser) {
    let (org, mut owner) = app.manager("company").await;
    for email in ["kept@audit.example", "dropped@audit.example"] {
        assert_eq!(
            app.invite(&mut owner, email, "member").await.status(),
            StatusCode::OK
        );
    }
    let id = app.invitation_id("dropped@audit.example").await.to_string();
    let res = app
        .post(
            &mut owner,
            "/rpc/invitations/revoke",
            &[("id", &id), ("reason", "typo")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .post(
            &mut owner,
            "/rpc/api-tokens/create",
            &[
                ("name", "Payroll sync"),
                ("role", "member"),
                ("expires_in_days", "30"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    (org, owner)
}

#[tokio::test]
async fn an_admin_reads_their_organisations_events_and_filters_them() {
    let app = spawn_app().await;
    let (_, mut owner) = busy_company(&app).await;
    let (_, mut other) = busy_company(&app).await;

    let p = page(&app, &mut owner, &[]).await;
    assert_eq!(
        actions(&p),
        ["api_token_created", "revoked", "created", "created"],
        "newest first, this organisation only"
    );
    let revoked = &p["events"][1];
    assert_eq!(revoked["subject_type"], "invitation");
    assert_eq!(revoked["subject"], "dropped@audit.example");
    assert!(revoked["actor"]
        .as_str()
        .unwrap()
        .contains("@company.example>"));
    assert!(revoked["detail"].as_str().unwrap().contains("typo"));
    assert!(revoked["request_id"]
        .as_str()
        .is_some_and(|r| r.len() == 32));
    assert_eq!(p["all_organisations"], false);
    assert_eq!(
        page(&app, &mut other, &[]).await["events"]
            .as_array()
            .unwrap()
            .len(),
        4
    );

    // Filters: action, subject, actor text, days.
    assert_eq!(
        actions(&page(&app, &mut owner, &[("action", "revoked")]).await),
        ["revoked"]
    );
    assert_eq!(
        actions(&page(&app, &mut owner, &[("subject", "api_token")]).await),
        ["api_token_created"]
    );
    assert!(actions(&page(&app, &mut owner, &[("actor", "nobody-like-this")]).await).is_empty());
    let today = time::OffsetDateTime::now_utc().date().to_string();
    assert_eq!(
        actions(&page(&app, &mut owner, &[("from", &today), ("to", &today)]).await).len(),
        4
    );
    assert!(actions(&page(&app, &mut owner, &[("to", "2020-01-01")]).await).is_empty());

    // Bad filters are named, field by field.
    let res = list(
        &app,
        &mut owner,
        &[("from", "01/12/2026"), ("action", "dropped_tables")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("\"from\"") && body.contains("\"action\""),
        "{body}"
    );

    // A platform admin reads every organisation's.
    let (_, mut platform) = app.manager("platform").await;
    let all = page(&app, &mut platform, &[("subject", "api_token")]).await;
    assert_eq!(all["all_organisations"], true);
    assert_eq!(all["events"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn pages_follow_the_keyset_cursor() {
    let app = spawn_app().await;
    let (org, mut owner) = app.manager("company").await;
    sqlx::query(
        "INSERT INTO audit_events (organisation_id, subject_type, subject_id, action, actor_kind)
         SELECT $1, 'invitation', gen_random_uuid(), 'viewed', 'anonymous'
           FROM generate_series(1, 120)",
    )
    .bind(org)
    .execute(&app.pool)
    .await
    .unwrap();
    let first = page(&app, &mut owner, &[]).await;
    assert_eq!(first["events"].as_array().unwrap().len(), 50);
    let mut seen = 50;
    let mut cursor = first["next_cursor"].as_i64();
    while let Some(before) = cursor {
        let p = page(&app, &mut owner, &[("before", &before.to_string())]).await;
        let ids: Vec<i64> = p["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_i64().unwrap())
            .collect();
        assert!(ids.iter().all(|id| *id < before), "older than the cursor");
        seen += ids.len();
        cursor = p["next_cursor"].as_i64();
    }
    assert_eq!(seen, 120);
    assert_eq!(first["events"][0]["actor"], "Anonymous");
}

#[tokio::test]
async fn the_exports_hold_the_filtered_set_safe_for_spreadsheets() {
    let app = spawn_app().await;
    let (org, owner) = busy_company(&app).await;
    // A person whose name would run as a formula in a spreadsheet.
    sqlx::query("UPDATE users SET first_name = '=HYPERLINK(\"x\")' WHERE id IN (SELECT user_id FROM memberships WHERE organisation_id = $1)")
        .bind(org)
        .execute(&app.pool)
        .await
        .unwrap();

    let res = app
        .get(&owner, "/audit-log/export.csv?subject=invitation")
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert_eq!(res.headers()["cache-control"], "no-store");
    let csv = res.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[5], "action");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3, "the invitation events only");
    assert!(rows.iter().all(|r| &r[6] == "invitation"));
    assert!(rows[0][4].starts_with("'=HYPERLINK"), "{:?}", &rows[0][4]);

    let res = app
        .get(&owner, "/audit-log/export.jsonl?action=revoked")
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body = res.text().await.unwrap();
    let lines: Vec<Value> = body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["detail"]["reason"], "typo");
    assert!(lines[0]["occurred_at"].as_str().unwrap().ends_with('Z'));

    // The same rules as the page.
    let res = app
        .get(&Browser::anonymous(), "/audit-log/export.csv")
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    app.user("member@audit.example", org, "member").await;
    let member = app.sign_in("member@audit.example").await;
    let res = app.get(&member, "/audit-log/export.jsonl").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app
        .get(&owner, "/audit-log/export.csv?from=yesterday")
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
