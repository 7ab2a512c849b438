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
    // The bootstrap invitation goes out too. Read its link from what the server delivered:
    // the outbox blanks a body once sent, so reading the outbox would race the worker.
    let bootstrap = sink
        .message_to("admin@localhost", 10)
        .await
        .expect("the bootstrap invitation arrives");
    let (token_before, _) =
        crate::helpers::link_parts(&bootstrap.replace("=\r\n", "").replace("=3D", "="))
            .expect("the bootstrap email has a registration link");
    assert_eq!(token_before.len(), 64);
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
                "SELECT status, text_body || coalesce(encode(body_ciphertext, 'hex'), '')
                   FROM email_outbox WHERE recipient = 'mail@example.org'",
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
        .post(&mut admin, "/rpc/invitations/list", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        list["invitations"][0]["delivery"], "failed",
        "the admin sees it"
    );
}

#[tokio::test]
async fn a_stale_claim_can_neither_send_nor_overwrite_the_outcome() {
    use gatehouse::email::outbox::{claim_due, finish, still_claimed, Finish};
    // Without SMTP no worker runs: this test is the only one claiming.
    let app = crate::helpers::spawn_app().await;
    let (_, mut admin) = app.manager("company").await;
    sqlx::query("DELETE FROM email_outbox")
        .execute(&app.pool)
        .await
        .unwrap();
    app.invite(&mut admin, "leased@example.org", "member").await;
    let first = claim_due(&app.pool, &app.keys, 10, Duration::from_secs(120), 100)
        .await
        .unwrap();
    assert_eq!(first.len(), 1);
    assert!(
        first[0].email.text_body.contains("/register?token="),
        "the body opens"
    );
    assert!(
        claim_due(&app.pool, &app.keys, 10, Duration::from_secs(120), 100)
            .await
            .unwrap()
            .is_empty(),
        "nobody else claims it within the lease"
    );
    assert!(still_claimed(&app.pool, &first[0], Duration::ZERO)
        .await
        .unwrap());

    // The first worker stalls past its lease; another takes the message over.
    sqlx::query("UPDATE email_outbox SET locked_until = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .unwrap();
    let second = claim_due(&app.pool, &app.keys, 10, Duration::from_secs(120), 100)
        .await
        .unwrap();
    assert_eq!(second.len(), 1);
    assert!(
        !still_claimed(&app.pool, &first[0], Duration::ZERO)
            .await
            .unwrap(),
        "the stale worker must not send"
    );
    assert!(finish(&app.pool, &second[0], Finish::Sent).await.unwrap());
    assert!(
        !finish(&app.pool, &first[0], Finish::Failed("late".into()))
            .await
            .unwrap(),
        "the stale worker's outcome is fenced off"
    );
    let (status, attempts): (String, i32) =
        sqlx::query_as("SELECT status, attempts FROM email_outbox")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), attempts), ("sent", 2));
}
