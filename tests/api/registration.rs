//! The invitee's side over HTTP: the registration page, completing it, dead links.

use crate::helpers::{spawn_app, Browser, PASSWORD};
use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::Value;

const NEW_PASSWORD: &str = "copper lantern meadow sailing";

/// The registration form with the given password and confirmation.
fn registration_form<'a>(
    token: &'a str,
    org: &'a str,
    password: &'a str,
    confirmation: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("token", token),
        ("org", org),
        ("first_name", "Ada"),
        ("last_name", "King"),
        ("password", password),
        ("password_confirmation", confirmation),
    ]
}

fn complete_form<'a>(token: &'a str, org: &'a str) -> Vec<(&'a str, &'a str)> {
    registration_form(token, org, NEW_PASSWORD, NEW_PASSWORD)
}

#[tokio::test]
async fn an_invitee_registers_and_is_signed_in_with_the_invited_role() {
    let app = spawn_app().await;
    let (org, mut admin) = app.manager("company").await;
    app.invite(&mut admin, "ada@example.org", "admin").await;
    let (token, link_org) = app.latest_token("ada@example.org").await;
    assert_eq!(link_org, org.to_string());

    let mut invitee = Browser::anonymous();
    let page = app
        .get(&invitee, &format!("/register?token={token}&org={org}"))
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["cache-control"], "no-store");
    let html = page.text().await.unwrap();
    assert!(html.contains("ada@example.org") && html.contains("Complete Registration"));
    assert!(
        html.contains("role=\"timer\""),
        "countdown is rendered on the server"
    );

    // Forged organisation and role fields are ignored: both come from the invitation row.
    let (other_org, _) = app.manager("company").await;
    let mut form = complete_form(&token, &link_org);
    let other = other_org.to_string();
    form.push(("organisation_id", &other));
    form.push(("role", "owner"));
    let res = app
        .post(&mut invitee, "/rpc/registration/complete", &form)
        .await;
    assert_eq!(res.status(), StatusCode::OK, "{:?}", res.headers());
    assert_eq!(res.headers()["location"], "/company");
    let body: String = res.json().await.unwrap();
    assert_eq!(body, "/company");

    let (m_org, role, first): (uuid::Uuid, String, String) = sqlx::query_as(
        "SELECT m.organisation_id, m.role, u.first_name FROM memberships m JOIN users u ON u.id = m.user_id
          WHERE u.email = 'ada@example.org'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        (m_org, role.as_str(), first.as_str()),
        (org, "admin", "Ada")
    );

    // Signed in: the session works for the new person.
    let info: Value = app
        .post(&mut invitee, "/rpc/auth/session", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(info["email"], "ada@example.org");
    assert_eq!(info["dashboard_path"], "/company");

    // The link is spent.
    let again = app
        .get(
            &Browser::anonymous(),
            &format!("/register?token={token}&org={org}"),
        )
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert!(again.text().await.unwrap().contains("already been used"));
    let res = app
        .post(
            &mut Browser::anonymous(),
            "/rpc/registration/complete",
            &complete_form(&token, &link_org),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn fifty_concurrent_completions_of_one_token_make_exactly_one_account() {
    let app = spawn_app().await;
    let (_, mut admin) = app.manager("company").await;
    app.invite(&mut admin, "race@example.org", "member").await;
    let (token, org) = app.latest_token("race@example.org").await;
    let attempts = (0..50).map(|_| {
        let (app, token, org) = (&app, token.clone(), org.clone());
        async move {
            let mut b = Browser::anonymous();
            app.post(
                &mut b,
                "/rpc/registration/complete",
                &complete_form(&token, &org),
            )
            .await
            .status()
        }
    });
    let statuses = join_all(attempts).await;
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(ok, 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| [
        StatusCode::OK,
        StatusCode::CONFLICT,
        StatusCode::SERVICE_UNAVAILABLE
    ]
    .contains(s)));
    let (users, memberships): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM users WHERE email = 'race@example.org'),
                (SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'race@example.org')",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((users, memberships), (1, 1));
}

#[tokio::test]
async fn passwords_follow_the_policy_and_say_why() {
    let app = spawn_app().await;
    let (_, mut admin) = app.manager("company").await;
    app.invite(&mut admin, "pw@example.org", "member").await;
    let (token, org) = app.latest_token("pw@example.org").await;
    let mut b = Browser::anonymous();
    for (pw, confirm, field, expect) in [
        ("short", "short", "password", "at least 15"),
        (
            "passwordpassword1",
            "passwordpassword1",
            "password",
            "Choose a longer",
        ),
        (
            "my pw@example.org is safe",
            "my pw@example.org is safe",
            "password",
            "email address",
        ),
        (
            NEW_PASSWORD,
            "something else entirely",
            "password_confirmation",
            "do not match",
        ),
    ] {
        let res = app
            .post(
                &mut b,
                "/rpc/registration/complete",
                &registration_form(&token, &org, pw, confirm),
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{pw}");
        let body: Value = res.json().await.unwrap();
        let errs = body["Validation"].as_array().unwrap();
        let e = errs
            .iter()
            .find(|e| e["field"] == field)
            .unwrap_or_else(|| panic!("{pw}: {body}"));
        assert!(e["message"].as_str().unwrap().contains(expect), "{pw}: {e}");
    }
    let users: i64 =
        sqlx::query_scalar("SELECT count(*) FROM users WHERE email = 'pw@example.org'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(users, 0);
    // 64 characters are accepted.
    let long = "correct horse battery staple and a much longer tail of words ok!";
    assert_eq!(long.chars().count(), 64);
    let res = app
        .post(
            &mut b,
            "/rpc/registration/complete",
            &registration_form(&token, &org, long, long),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn dead_links_have_their_own_pages_and_statuses() {
    let app = spawn_app().await;
    let (org, mut admin) = app.manager("company").await;
    let anon = Browser::anonymous();

    let unknown = app
        .get(
            &anon,
            &format!("/register?token={}&org={org}", "ab".repeat(32)),
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(unknown
        .text()
        .await
        .unwrap()
        .contains("Invitation not found"));
    let garbage = app.get(&anon, "/register?token=x&org=y").await;
    assert_eq!(garbage.status(), StatusCode::NOT_FOUND);

    app.invite(&mut admin, "late@example.org", "member").await;
    let (token, _) = app.latest_token("late@example.org").await;
    // The right token with the wrong organisation is unknown too.
    let (other, _) = app.manager("company").await;
    let wrong_org = app
        .get(&anon, &format!("/register?token={token}&org={other}"))
        .await;
    assert_eq!(wrong_org.status(), StatusCode::NOT_FOUND);

    sqlx::query("UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE email = 'late@example.org'")
        .execute(&app.pool)
        .await
        .unwrap();
    let expired = app
        .get(&anon, &format!("/register?token={token}&org={org}"))
        .await;
    assert_eq!(expired.status(), StatusCode::GONE);
    assert!(expired
        .text()
        .await
        .unwrap()
        .contains("Request a new invitation"));
    let res = app
        .post(
            &mut Browser::anonymous(),
            "/rpc/registration/complete",
            &complete_form(&token, &org.to_string()),
        )
        .await;
    assert_eq!(res.status(), StatusCode::GONE);
}

async fn request_new(
    app: &crate::helpers::TestApp,
    b: &mut Browser,
    token: &str,
    org: &str,
    email: &str,
) -> reqwest::Response {
    app.post(
        b,
        "/rpc/registration/request-new",
        &[("token", token), ("org", org), ("email", email)],
    )
    .await
}

#[tokio::test]
async fn asking_for_a_new_invitation_gives_one_answer_and_notifies_the_inviter_once() {
    let app = spawn_app().await;
    let (org, mut admin) = app.manager("company").await;
    app.invite(&mut admin, "again@example.org", "member").await;
    let (token, _) = app.latest_token("again@example.org").await;
    sqlx::query("UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE email = 'again@example.org'")
        .execute(&app.pool)
        .await
        .unwrap();
    let org = org.to_string();
    let mut b = Browser::anonymous();
    let wrong: String = request_new(&app, &mut b, &token, &org, "someone@else.org")
        .await
        .json()
        .await
        .unwrap();
    let right: String = request_new(&app, &mut b, &token, &org, "Again@example.org")
        .await
        .json()
        .await
        .unwrap();
    let unknown: String = request_new(&app, &mut b, &"cd".repeat(32), &org, "again@example.org")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(wrong, right);
    assert_eq!(right, unknown);
    let twice = request_new(&app, &mut b, &token, &org, "again@example.org").await;
    assert_eq!(twice.status(), StatusCode::OK);

    let requested: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM invitation_audit_events WHERE action = 'reissue_requested'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        requested, 1,
        "audited once; repeats within the hour are absorbed"
    );
    let notices: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM email_outbox WHERE subject LIKE 'again@example.org asked for a new invitation%'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(notices, 1);

    // Rate-limited per client after five requests an hour.
    let fifth = request_new(&app, &mut b, &token, &org, "x@example.org").await;
    assert_eq!(fifth.status(), StatusCode::OK);
    let sixth = request_new(&app, &mut b, &token, &org, "x@example.org").await;
    assert_eq!(sixth.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn an_existing_account_signs_in_and_accepts() {
    let app = spawn_app().await;
    let (_, mut admin) = app.manager("company").await;
    let home = app.organisation("Home Co", "company").await;
    app.user("known@example.org", home, "member").await;
    app.user("stranger@example.org", home, "member").await;
    app.invite(&mut admin, "known@example.org", "admin").await;
    let (token, org) = app.latest_token("known@example.org").await;

    let page = app
        .get(
            &Browser::anonymous(),
            &format!("/register?token={token}&org={org}"),
        )
        .await;
    let html = page.text().await.unwrap();
    assert!(html.contains("already exists") && html.contains("Sign in to accept"));
    let res = app
        .post(
            &mut Browser::anonymous(),
            "/rpc/registration/complete",
            &complete_form(&token, &org),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);

    // Someone else signed in is refused with a clear message.
    let mut stranger = app.sign_in("stranger@example.org").await;
    let res = app
        .post(
            &mut stranger,
            "/rpc/registration/accept",
            &[("token", &token), ("org", &org)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("but this invitation is for known@example.org"));

    let mut known = app.sign_in("known@example.org").await;
    let res = app
        .post(
            &mut known,
            "/rpc/registration/accept",
            &[("token", &token), ("org", &org)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["location"], "/company");
    let info: Value = app
        .post(&mut known, "/rpc/auth/session", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(info["role"], "admin");
    let memberships: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'known@example.org'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(memberships, 2);
    let _ = PASSWORD;
}
