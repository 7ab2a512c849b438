//! Expiry reminders over HTTP: one email per pending invitation before it expires, sent once
//! however many instances sweep, never for an invitation that was accepted, revoked, resent
//! or shared as a link only, and not at all where the organisation switched them off.

use crate::helpers::{link_parts, spawn_app_with, Browser, TestApp};
use reqwest::StatusCode;
use serde_json::Value;
use std::time::Duration;

const REMINDER: &str = "Reminder: your invitation to join%";

fn fast(c: &mut gatehouse::config::Config) {
    c.expiry_sweep_interval = Duration::from_millis(100);
}

/// Reminder emails queued for `email`.
async fn reminders_to(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM email_outbox WHERE recipient = $1::citext AND subject LIKE $2",
    )
    .bind(email)
    .bind(REMINDER)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

async fn invite(app: &TestApp, admin: &mut Browser, email: &str, hours: &str, send: bool) {
    let res = app
        .post(
            admin,
            "/rpc/invitations/create",
            &[
                ("email", email),
                ("first_name", "Rea"),
                ("last_name", "Minder"),
                ("role", "member"),
                ("expires_in_hours", hours),
                ("send_email", if send { "true" } else { "false" }),
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

/// Waits a few sweep rounds of every instance.
async fn rounds() {
    tokio::time::sleep(Duration::from_millis(600)).await;
}

#[tokio::test]
async fn an_invitation_due_within_a_day_is_reminded_once_with_a_working_link() {
    let app = spawn_app_with(fast).await;
    app.another_instance(fast).await;
    let (_, mut admin) = app.manager("company").await;
    invite(&app, &mut admin, "soon@example.org", "12", true).await;
    invite(&app, &mut admin, "later@example.org", "72", true).await;
    let (token, _) = app.latest_token("soon@example.org").await;

    let count =
        crate::helpers::eventually(5, || reminders_to(&app, "soon@example.org"), |n| *n >= 1).await;
    assert_eq!(count, 1);
    rounds().await;
    assert_eq!(reminders_to(&app, "soon@example.org").await, 1, "sent once");
    assert_eq!(
        reminders_to(&app, "later@example.org").await,
        0,
        "not due yet"
    );

    // The reminder carries the same, still working link.
    let text = app.mail_text("soon@example.org").await;
    let (reminded_token, org) = link_parts(&text).expect("a link in the reminder");
    assert_eq!(reminded_token, token);
    let res = app
        .post(
            &mut Browser::anonymous(),
            "/rpc/registration/view",
            &[("token", &token), ("org", &org)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    // Audited, shown in the history, and the sealed copy of the token is gone.
    let id = app.invitation_id("soon@example.org").await.to_string();
    let res = app
        .post(&mut admin, "/rpc/invitations/history", &[("id", &id)])
        .await;
    let history: Value = res.json().await.unwrap();
    assert!(history.to_string().contains("reminded"), "{history}");
    let sealed: Option<Vec<u8>> = sqlx::query_scalar(
        "SELECT reminder_ciphertext FROM invitations WHERE email = 'soon@example.org'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(sealed.is_none());
}

#[tokio::test]
async fn no_reminder_after_acceptance_revocation_or_for_a_link_only_invitation() {
    let app = spawn_app_with(fast).await;
    let (_, mut admin) = app.manager("company").await;
    for email in ["accepted@example.org", "revoked@example.org"] {
        invite(&app, &mut admin, email, "72", true).await;
    }
    invite(&app, &mut admin, "link@example.org", "12", false).await;
    let (token, org) = app.latest_token("accepted@example.org").await;
    let res = app
        .post(
            &mut Browser::anonymous(),
            "/rpc/registration/complete",
            &[
                ("token", &token),
                ("org", &org),
                ("first_name", "Acce"),
                ("last_name", "Pted"),
                ("password", "cedar meadow lantern 27"),
                ("password_confirmation", "cedar meadow lantern 27"),
            ],
        )
        .await;
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    let id = app.invitation_id("revoked@example.org").await.to_string();
    let res = app
        .post(
            &mut admin,
            "/rpc/invitations/revoke",
            &[("id", &id), ("reason", "")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // Both would be due now.
    sqlx::query("UPDATE invitations SET expires_at = now() + interval '2 hours'")
        .execute(&app.pool)
        .await
        .unwrap();
    rounds().await;
    for email in [
        "accepted@example.org",
        "revoked@example.org",
        "link@example.org",
    ] {
        assert_eq!(reminders_to(&app, email).await, 0, "{email}");
    }
}

#[tokio::test]
async fn a_resend_makes_the_reminder_carry_the_new_link() {
    let app = spawn_app_with(fast).await;
    let (_, mut admin) = app.manager("company").await;
    invite(&app, &mut admin, "resent@example.org", "72", true).await;
    let (old, _) = app.latest_token("resent@example.org").await;
    let id = app.invitation_id("resent@example.org").await.to_string();
    let res = app
        .post(&mut admin, "/rpc/invitations/resend", &[("id", &id)])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let (new, _) = app.latest_token("resent@example.org").await;
    assert_ne!(old, new);
    sqlx::query("UPDATE invitations SET expires_at = now() + interval '2 hours'")
        .execute(&app.pool)
        .await
        .unwrap();
    crate::helpers::eventually(5, || reminders_to(&app, "resent@example.org"), |n| *n >= 1).await;
    let (reminded, _) = link_parts(&app.mail_text("resent@example.org").await).unwrap();
    assert_eq!(reminded, new);
}

#[tokio::test]
async fn an_organisation_can_switch_reminders_off() {
    let app = spawn_app_with(fast).await;
    let (_, mut admin) = app.manager("company").await;
    let res = app
        .post(&mut admin, "/rpc/invitations/reminders", &[])
        .await;
    let s: Value = res.json().await.unwrap();
    assert_eq!(s["enabled"], true);
    assert_eq!(s["hours_before"], 24);
    let res = app
        .post(
            &mut admin,
            "/rpc/invitations/reminders/set",
            &[("enabled", "false")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["enabled"], false);

    invite(&app, &mut admin, "quiet@example.org", "12", true).await;
    rounds().await;
    assert_eq!(reminders_to(&app, "quiet@example.org").await, 0);

    // Switched on again, the pending invitation is reminded on the next round.
    let res = app
        .post(
            &mut admin,
            "/rpc/invitations/reminders/set",
            &[("enabled", "true")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let n = crate::helpers::eventually(5, || reminders_to(&app, "quiet@example.org"), |n| *n >= 1)
        .await;
    assert_eq!(n, 1);
}
