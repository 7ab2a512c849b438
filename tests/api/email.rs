//! Email delivery over real SMTP, and SMTP downtime.

use crate::helpers::{
    eventually,
    smtp::{free_port, start_sink},
    spawn_app_with,
};
use secrecy::SecretString;
use std::time::Duration;

#[tokio::test]
async fn invitation_email_reaches_a_real_smtp_server() {
    let sink = start_sink(0);
    let app = spawn_app_with(|c| {
        c.smtp_url = Some(SecretString::from(format!(
            "smtp://127.0.0.1:{}",
            sink.port
        )));
    })
    .await;
    let (_, mut admin) = app.manager("company").await;
    // The bootstrap admin's invitation goes out through the same worker. (Reading its token
    // from the outbox here raced the worker, which blanks the body once the message is sent.)
    sink.message_to("admin@localhost", 10)
        .await
        .expect("the bootstrap invitation arrives");
    app.invite(&mut admin, "mail@example.org", "member").await;
    let msg = sink
        .message_to("mail@example.org", 10)
        .await
        .expect("the invitation arrives");
    assert!(msg.contains("multipart/alternative"));
    assert!(msg.contains("text/plain") && msg.contains("text/html"));
    assert!(msg.contains("Complete Registration"));
    assert!(msg.contains("http://gatehouse.test/register?token="));
    assert!(
        !msg.contains("Subject:")
            || !msg
                .split("Subject:")
                .nth(1)
                .unwrap()
                .lines()
                .next()
                .unwrap()
                .contains("token")
    );

    // Delivered rows keep no link: the bodies are blanked.
    let sent: (String, String) = eventually(
        5,
        || async {
            sqlx::query_as(
                "SELECT status, text_body FROM email_outbox WHERE recipient = 'mail@example.org'",
            )
            .fetch_one(&app.pool)
            .await
            .unwrap()
        },
        |row: &(String, String)| row.0 == "sent",
    )
    .await;
    assert_eq!(sent, ("sent".to_owned(), String::new()));
}

#[tokio::test]
async fn smtp_downtime_delays_mail_without_losing_it() {
    let port = free_port();
    let app = spawn_app_with(|c| {
        c.smtp_url = Some(SecretString::from(format!("smtp://127.0.0.1:{port}")));
        c.outbox_retry_base = Duration::from_millis(300);
    })
    .await;
    let (_, mut admin) = app.manager("company").await;
    let res = app.invite(&mut admin, "later@example.org", "member").await;
    assert_eq!(
        res.status(),
        reqwest::StatusCode::OK,
        "the invitation is created while SMTP is down"
    );

    let row: (String, i32, Option<String>) = eventually(
        5,
        || async {
            sqlx::query_as(
                "SELECT status, attempts, last_error FROM email_outbox WHERE recipient = 'later@example.org'",
            )
            .fetch_one(&app.pool)
            .await
            .unwrap()
        },
        |row: &(String, i32, Option<String>)| row.1 >= 2,
    )
    .await;
    assert_eq!(row.0, "queued");
    assert!(row.1 >= 2, "retried with backoff: {row:?}");
    assert!(row.2.is_some());

    let sink = start_sink(port);
    assert!(
        sink.message_to("later@example.org", 20).await.is_some(),
        "the message goes out once SMTP is back"
    );
}

#[tokio::test]
async fn a_message_is_marked_failed_after_its_last_attempt() {
    let port = free_port();
    let app = spawn_app_with(|c| {
        c.smtp_url = Some(SecretString::from(format!("smtp://127.0.0.1:{port}")));
        c.outbox_retry_base = Duration::from_millis(50);
        c.outbox_max_attempts = 3;
    })
    .await;
    let (_, mut admin) = app.manager("company").await;
    app.invite(&mut admin, "never@example.org", "member").await;
    let status: String = eventually(
        10,
        || async {
            sqlx::query_scalar(
                "SELECT status FROM email_outbox WHERE recipient = 'never@example.org'",
            )
            .fetch_one(&app.pool)
            .await
            .unwrap()
        },
        |s: &String| s == "failed",
    )
    .await;
    assert_eq!(status, "failed");
    let list: serde_json::Value = app
        .post(&mut admin, "/api/invitations/list", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        list["invitations"][0]["delivery"], "failed",
        "the admin sees it"
    );
}
