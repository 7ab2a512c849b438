//! Several app instances on one database, and the outbox through faults: a session made on
//! one instance works on another, throttles are shared, and every email goes out exactly once
//! through SMTP refusals and a worker that disappears mid-send.

use crate::helpers::{
    eventually,
    smtp::{start_refusing_sink, start_sink},
    spawn_app, spawn_app_with, Browser, TestApp, PASSWORD,
};
use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::Value;
use std::time::{Duration, Instant};

/// POSTs a form to `base` + `path` as `browser` (any instance), same-origin.
async fn post_to(
    app: &TestApp,
    base: &str,
    browser: &mut Browser,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let req = app
        .client
        .post(format!("{base}{path}"))
        .header("sec-fetch-site", "same-origin")
        .form(form);
    let res = browser.send(req).await;
    browser.absorb(&res);
    res
}

fn smtp(port: u16) -> Option<SecretString> {
    Some(SecretString::from(format!("smtp://127.0.0.1:{port}")))
}

/// Waits until every one of `recipients` has a message in `sink`, then a little longer for
/// duplicates, and returns how many each got.
async fn delivered(sink: &crate::helpers::smtp::SmtpSink, recipients: &[String]) -> Vec<usize> {
    for r in recipients {
        assert!(sink.message_to(r, 20).await.is_some(), "{r} got nothing");
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    recipients.iter().map(|r| sink.count_to(r)).collect()
}

#[tokio::test]
async fn two_instances_share_sessions_throttles_and_the_outbox() {
    let sink = start_sink(0);
    let app = spawn_app_with(|c| c.smtp_url = smtp(sink.port)).await;
    let second = app.another_instance(|_| {}).await;
    let bases = [app.base.clone(), second];

    // A session made on one instance works on the other.
    let (org, mut admin) = app.manager("company").await;
    let who: Value = post_to(&app, &bases[1], &mut admin, "/rpc/auth/session", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(
        who["email"].is_string(),
        "signed in on the second instance: {who}"
    );

    // The sign-in throttle counts across instances (five failures in all, alternating).
    app.user("shared@limits.example", org, "member").await;
    for i in 0..5 {
        let res = post_to(
            &app,
            &bases[i % 2],
            &mut Browser::anonymous(),
            "/rpc/auth/sign-in",
            &[
                ("email", "shared@limits.example"),
                ("password", "wrong guess 123"),
            ],
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    for base in &bases {
        let res = post_to(
            &app,
            base,
            &mut Browser::anonymous(),
            "/rpc/auth/sign-in",
            &[("email", "shared@limits.example"), ("password", PASSWORD)],
        )
        .await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "{base}");
    }

    // Invitations made through both instances, drained by both workers: each email once.
    let recipients: Vec<String> = (0..5).map(|i| format!("twice{i}@example.org")).collect();
    for (i, email) in recipients.iter().enumerate() {
        let res = post_to(
            &app,
            &bases[i % 2],
            &mut admin,
            "/rpc/invitations/create",
            &[
                ("email", email.as_str()),
                ("first_name", "Ada"),
                ("last_name", "Lovelace"),
                ("role", "member"),
                ("designation", ""),
                ("department", ""),
            ],
        )
        .await;
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "{}",
            res.text().await.unwrap()
        );
    }
    assert_eq!(delivered(&sink, &recipients).await, vec![1; 5]);
}

#[tokio::test]
async fn smtp_refusals_delay_mail_without_losing_or_doubling_it() {
    // The provider answers 421 to the first three messages, then accepts.
    let sink = start_refusing_sink(0, 3);
    let app = spawn_app_with(|c| {
        c.smtp_url = smtp(sink.port);
        c.outbox_retry_base = Duration::from_millis(200);
    })
    .await;
    let (_, mut admin) = app.manager("company").await;
    let recipients: Vec<String> = (0..3).map(|i| format!("busy{i}@example.org")).collect();
    for email in &recipients {
        let res = app.invite(&mut admin, email, "member").await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    assert_eq!(delivered(&sink, &recipients).await, vec![1; 3]);
    let retried: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM email_outbox
          WHERE recipient LIKE 'busy%' AND status = 'sent' AND attempts > 1
            AND body_ciphertext IS NULL",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(retried >= 1, "a refused message was retried and then sent");
}

#[tokio::test]
async fn a_message_whose_worker_died_mid_send_goes_out_later_once() {
    use gatehouse::email::outbox::claim_due;
    // The first instance has no SMTP, so no worker: the invitation waits in the outbox.
    let app = spawn_app().await;
    let (_, mut admin) = app.manager("company").await;
    app.invite(&mut admin, "orphan@example.org", "member").await;
    // A worker claims it for one second and dies before recording anything.
    let lease = Duration::from_secs(1);
    let claimed = claim_due(&app.pool, &app.keys, 100, lease, 100)
        .await
        .unwrap();
    assert!(claimed
        .iter()
        .any(|m| m.email.recipient == "orphan@example.org"));
    let died = Instant::now();

    // Another instance with SMTP takes the message over once the lease has run out.
    let sink = start_sink(0);
    app.another_instance(|c| {
        c.smtp_url = smtp(sink.port);
        c.outbox_lease = lease;
    })
    .await;
    let recipients = ["orphan@example.org".to_owned()];
    assert_eq!(delivered(&sink, &recipients).await, vec![1]);
    assert!(died.elapsed() >= lease, "not before the lease ran out");
    let (status, attempts): (String, i32) = eventually(
        5,
        || async {
            sqlx::query_as(
                "SELECT status, attempts FROM email_outbox WHERE recipient = 'orphan@example.org'",
            )
            .fetch_one(&app.pool)
            .await
            .unwrap()
        },
        |r: &(String, i32)| r.0 == "sent",
    )
    .await;
    assert_eq!((status.as_str(), attempts), ("sent", 2));
}
