//! Analytics over HTTP against a seeded dataset whose answers are known: totals, funnel,
//! time to accept, periods, breakdowns, invite-code conversion, scoping, and the CSV export.

use crate::helpers::{spawn_app, Browser, TestApp};
use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

/// Ten invitations of `org` made 2 days ago by `inviter` (seven) or the system (three):
/// four accepted after 1, 2, 3 and 10 hours, two pending, one pending past its expiry, two
/// expired, one revoked; three of the unaccepted ones were opened. Plus one made 40 days ago.
async fn seed(app: &TestApp, org: Uuid, inviter: Uuid) {
    let rows = [
        // (status, role, hours to accept, by the inviter, viewed)
        ("accepted", "member", Some(1), true, false),
        ("accepted", "member", Some(2), true, false),
        ("accepted", "admin", Some(3), true, false),
        ("accepted", "member", Some(10), true, false),
        ("pending", "member", None, true, true),
        ("pending", "admin", None, true, false),
        ("overdue", "member", None, true, true),
        ("expired", "admin", None, false, true),
        ("expired", "member", None, false, false),
        ("revoked", "admin", None, false, false),
    ];
    for (i, (status, role, hours, by_inviter, viewed)) in rows.into_iter().enumerate() {
        let id = Uuid::new_v4();
        let (stored, expires) = match status {
            "overdue" => ("pending", "now() - interval '1 hour'"),
            "pending" => ("pending", "now() + interval '5 days'"),
            s => (s, "now() - interval '1 day'"),
        };
        sqlx::query(&format!(
            "INSERT INTO invitations (id, organisation_id, email, first_name, last_name, role,
                                      inviter_id, token_hash, status, expires_at, created_at,
                                      accepted_at)
             VALUES ($1, $2, $3, 'Seed', 'Person', $4, $5, sha256($3::bytea), $6, {expires},
                     now() - interval '2 days',
                     now() - interval '2 days' + make_interval(hours => $7))"
        ))
        .bind(id)
        .bind(org)
        .bind(format!("seed{i}-{org}@analytics.example"))
        .bind(role)
        .bind(by_inviter.then_some(inviter))
        .bind(stored)
        .bind(hours.unwrap_or(0))
        .execute(&app.pool)
        .await
        .unwrap();
        if stored != "accepted" {
            sqlx::query("UPDATE invitations SET accepted_at = NULL WHERE id = $1")
                .bind(id)
                .execute(&app.pool)
                .await
                .unwrap();
        }
        if viewed {
            sqlx::query(
                "INSERT INTO audit_events (organisation_id, subject_type, subject_id, action, actor_kind, occurred_at)
                 VALUES ($1, 'invitation', $2, 'viewed', 'anonymous', now() - interval '1 day')",
            )
            .bind(org)
            .bind(id)
            .execute(&app.pool)
            .await
            .unwrap();
        }
    }
    sqlx::query(
        "INSERT INTO invitations (id, organisation_id, email, first_name, last_name, role, token_hash,
                                 expires_at, created_at)
         VALUES (gen_random_uuid(), $1, $2, 'Old', 'One', 'member', sha256($2::bytea),
                 now() - interval '33 days', now() - interval '40 days')",
    )
    .bind(org)
    .bind(format!("old-{org}@analytics.example"))
    .execute(&app.pool)
    .await
    .unwrap();
}

async fn report(app: &TestApp, b: &mut Browser, form: &[(&str, &str)]) -> Value {
    let res = app.post(b, "/rpc/analytics/report", form).await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    res.json().await.unwrap()
}

async fn owner_of(app: &TestApp, org: Uuid) -> Uuid {
    sqlx::query_scalar("SELECT user_id FROM memberships WHERE organisation_id = $1 LIMIT 1")
        .bind(org)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_numbers_match_a_seeded_dataset() {
    let app = spawn_app().await;
    let (org, mut owner) = app.manager("company").await;
    seed(&app, org, owner_of(&app, org).await).await;
    let (other, _) = app.manager("company").await;
    seed(&app, other, owner_of(&app, other).await).await;
    let res = app
        .post(
            &mut owner,
            "/rpc/invite-codes/create",
            &[
                ("role", "member"),
                ("expires_in_days", "7"),
                ("max_uses", "1"),
                ("note", ""),
                ("count", "2"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    let r = report(&app, &mut owner, &[]).await;
    assert_eq!(r["sent"], 10, "the last 30 days of this organisation only");
    assert_eq!(r["accepted"], 4);
    assert_eq!(r["pending"], 2);
    assert_eq!(
        r["expired"], 3,
        "an overdue pending invitation counts as expired"
    );
    assert_eq!(r["revoked"], 1);
    assert_eq!(r["viewed"], 7, "three opened plus the four accepted");
    assert_eq!(r["acceptance_rate"], 0.4);
    assert_eq!(r["median_seconds_to_accept"], 9000.0);
    // percentile_cont interpolates: 3 h + 0.7 × (10 h − 3 h).
    let p90 = r["p90_seconds_to_accept"].as_f64().unwrap();
    assert!((p90 - 28_440.0).abs() < 0.001, "{p90}");
    assert_eq!(r["codes_created"], 2);
    assert_eq!(r["code_redemptions"], 0);
    assert_eq!(r["bucket"], "day");
    let periods = r["periods"].as_array().unwrap();
    assert_eq!(periods.len(), 30);
    assert_eq!(
        periods
            .iter()
            .map(|p| p["sent"].as_i64().unwrap())
            .sum::<i64>(),
        10
    );
    let roles: Vec<(String, i64, i64)> = r["by_role"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["label"].as_str().unwrap().to_owned(),
                b["sent"].as_i64().unwrap(),
                b["accepted"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        roles,
        [("Member".to_owned(), 6, 3), ("Admin".to_owned(), 4, 1)]
    );
    assert_eq!(r["by_inviter"][0]["sent"], 7);
    assert_eq!(r["by_inviter"][1]["label"], "Gatehouse");
    assert!(r["funnel_svg"].as_str().unwrap().contains("role=\"img\""));

    // A longer range is weekly and reaches the old invitation.
    let today = time::OffsetDateTime::now_utc().date();
    let from = (today - time::Duration::days(99)).to_string();
    let long = report(&app, &mut owner, &[("from", &from)]).await;
    assert_eq!(long["sent"], 11);
    assert_eq!(long["bucket"], "week");

    // The CSV export holds the same numbers.
    let res = app.get(&owner, "/analytics/export.csv").await;
    assert_eq!(res.status(), StatusCode::OK);
    let csv = res.text().await.unwrap();
    assert!(csv.starts_with("section,label,metric,value\n"), "{csv}");
    assert!(
        csv.contains("\ntotals,,sent,10\n") && csv.contains("\ntotals,,acceptance_rate,0.400\n"),
        "{csv}"
    );
    assert!(csv.contains("\nrole,Member,accepted,3\n"));

    // A platform admin reads one organisation or all.
    let (_, mut platform) = app.manager("platform").await;
    let one = report(&app, &mut platform, &[("organisation", &org.to_string())]).await;
    assert_eq!(one["sent"], 10);
    assert!(one["organisations"].as_array().unwrap().len() >= 2);
    let all = report(&app, &mut platform, &[]).await;
    assert_eq!(
        all["sent"], 21,
        "both companies' and the first admin's own invitation"
    );
    assert_eq!(all["scope"], "All organisations");
}

#[tokio::test]
async fn analytics_refuse_other_roles_organisations_and_bad_ranges() {
    let app = spawn_app().await;
    let (org, mut owner) = app.manager("company").await;
    let (other, _) = app.manager("company").await;
    seed(&app, other, owner_of(&app, other).await).await;
    // The organisation always comes from the session for everyone but platform admins.
    let r = report(&app, &mut owner, &[("organisation", &other.to_string())]).await;
    assert_eq!(r["sent"], 0);
    assert!(r["organisations"].as_array().unwrap().is_empty());

    for form in [
        vec![("from", "yesterday")],
        vec![("from", "2026-02-01"), ("to", "2026-01-01")],
        vec![("from", "2020-01-01"), ("to", "2026-01-01")],
    ] {
        let res = app.post(&mut owner, "/rpc/analytics/report", &form).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{form:?}");
    }
    app.user("member@analytics.example", org, "member").await;
    let mut member = app.sign_in("member@analytics.example").await;
    let res = app.post(&mut member, "/rpc/analytics/report", &[]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app.get(&member, "/analytics/export.csv").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let (_, mut platform) = app.manager("platform").await;
    let res = app
        .post(
            &mut platform,
            "/rpc/analytics/report",
            &[("organisation", &Uuid::new_v4().to_string())],
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}
