//! Forms posted without scripts: the server answers every plain form post with a redirect, to
//! the next page on success and back to the form, with the error in the query, on failure.

use crate::helpers::{spawn_app, Browser, TestApp, PASSWORD};
use reqwest::{header, StatusCode};

fn location(res: &reqwest::Response) -> String {
    res.headers()[header::LOCATION].to_str().unwrap().to_owned()
}

/// The page a plain post redirected `browser` to (`res` is the redirect), as HTML.
async fn followed(app: &TestApp, browser: &Browser, res: &reqwest::Response) -> String {
    let to = location(res);
    let page = app.get(browser, to.trim_start_matches(&app.base)).await;
    page.text().await.unwrap()
}

#[tokio::test]
async fn a_refused_plain_sign_in_comes_back_to_the_form_with_its_error() {
    let app = spawn_app().await;
    let org = app.organisation("Acme", "company").await;
    app.user("owner@acme.example", org, "owner").await;
    let from = "/login?next=%2Fcompany%2Fmanage-invitations";

    let mut browser = Browser::anonymous();
    let res = app
        .plain_post(
            &mut browser,
            "/rpc/auth/sign-in",
            from,
            &[
                ("email", "owner@acme.example"),
                ("password", "not the password"),
                ("next", "/company/manage-invitations"),
            ],
        )
        .await;
    // A redirect, not the JSON error with its 401 that the page's script gets.
    assert_eq!(res.status(), StatusCode::FOUND);
    let back = location(&res);
    assert!(
        back.starts_with(&format!("{}{from}&__path=", app.base)),
        "{back}"
    );
    assert!(back.contains("&__err="), "{back}");
    let page = app.get(&browser, back.trim_start_matches(&app.base)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("The email address or password is incorrect."));

    let res = app
        .plain_post(
            &mut browser,
            "/rpc/auth/sign-in",
            from,
            &[
                ("email", "owner@acme.example"),
                ("password", PASSWORD),
                ("next", "/company/manage-invitations"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(location(&res), "/company/manage-invitations");
    assert!(browser.cookie.is_some(), "signed in");

    // The page's own script still gets the status and the JSON error.
    let res = app
        .post(
            &mut Browser::anonymous(),
            "/rpc/auth/sign-in",
            &[("email", "owner@acme.example"), ("password", "wrong")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(res.text().await.unwrap(), r#""InvalidCredentials""#);
}

#[tokio::test]
async fn a_refused_plain_registration_shows_every_field_error_on_the_page() {
    let app = spawn_app().await;
    let (_, mut owner) = app.manager("company").await;
    let res = app.invite(&mut owner, "new@acme.example", "member").await;
    assert_eq!(res.status(), StatusCode::OK);
    let (token, org) = app.latest_token("new@acme.example").await;
    let from = format!("/register?token={token}&org={org}");
    let form = |password: &'static str, confirmation: &'static str| {
        [
            ("token", token.as_str()),
            ("org", org.as_str()),
            ("first_name", "Ada"),
            ("last_name", "Lovelace"),
            ("password", password),
            ("password_confirmation", confirmation),
        ]
    };

    let mut browser = Browser::anonymous();
    let res = app
        .plain_post(
            &mut browser,
            "/rpc/registration/complete",
            &from,
            &form("short", "different"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let back = location(&res);
    let html = followed(&app, &browser, &res).await;
    assert!(html.contains("Use at least 15 characters."), "{html}");
    assert!(html.contains("The passwords do not match."));
    // Nothing was spent: the form is still there.
    assert!(html.contains("Complete Registration"));

    let password = "quiet river copper lantern";
    let res = app
        .plain_post(
            &mut browser,
            "/rpc/registration/complete",
            back.trim_start_matches(&app.base),
            &form(password, password),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(location(&res), "/home");
    assert!(browser.cookie.is_some(), "signed in");
}

/// The registration page is served without the browser app: no module, no wasm, the page
/// script inline under the response's nonce, and the rules it checks rendered on the fields.
#[tokio::test]
async fn the_registration_page_loads_its_page_script_and_no_wasm() {
    let app = spawn_app().await;
    let (_, mut owner) = app.manager("company").await;
    app.invite(&mut owner, "new@acme.example", "member").await;
    let (token, org) = app.latest_token("new@acme.example").await;

    let page = app
        .get(
            &Browser::anonymous(),
            &format!("/register?token={token}&org={org}"),
        )
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let html = page.text().await.unwrap();
    assert!(!html.contains(".wasm"), "no wasm is referenced: {html}");
    assert!(!html.contains("import("), "the app is not imported");
    assert!(
        html.contains("document.body.dataset.enhanced"),
        "the page script is inline"
    );
    assert!(
        html.contains(gatehouse::app::page_script()),
        "byte for byte, not escaped"
    );
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("the policy carries a nonce");
    assert!(
        html.contains(&format!(r#"<script type="module" nonce="{nonce}">"#)),
        "the inline script carries the response's nonce"
    );
    // The state is not serialised for a hydration that never comes.
    assert!(!html.contains("password_min_chars"), "{html}");
    for rule in [
        r#"data-required-message="This field is required.""#,
        r#"data-min-chars="15""#,
        r#"data-min-chars-message="Use at least 15 characters.""#,
        r#"data-same-as="password""#,
        r#"data-same-as-message="The passwords do not match.""#,
        r#"data-pending-label="Creating your account…""#,
    ] {
        assert!(html.contains(rule), "{rule} in {html}");
    }
    assert!(html.contains(r#"role="timer""#) && html.contains("data-remaining=\"60"));

    // Every other page still loads the app.
    let login = app
        .get(&Browser::anonymous(), "/login")
        .await
        .text()
        .await
        .unwrap();
    assert!(login.contains(".wasm") && !login.contains("dataset.enhanced"));
}

/// After expiry, asking for a new invitation with a plain form post comes back to the page,
/// which then shows the one answer in place of the form; a refusal shows next to the field.
#[tokio::test]
async fn a_plain_request_for_a_new_invitation_shows_the_answer_on_the_page() {
    let app = spawn_app().await;
    let (_, mut owner) = app.manager("company").await;
    app.invite(&mut owner, "late@acme.example", "member").await;
    let (token, org) = app.latest_token("late@acme.example").await;
    sqlx::query("UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE email = 'late@acme.example'")
        .execute(&app.pool)
        .await
        .unwrap();
    let from = format!("/register?token={token}&org={org}");
    let mut browser = Browser::anonymous();

    let request_new = async |browser: &mut Browser, email: &str| {
        let form = [
            ("token", token.as_str()),
            ("org", org.as_str()),
            ("email", email),
        ];
        let res = app
            .plain_post(browser, "/rpc/registration/request-new", &from, &form)
            .await;
        assert_eq!(res.status(), StatusCode::FOUND);
        res
    };

    let res = request_new(&mut browser, "not an address").await;
    let back = location(&res);
    assert!(back.contains("&__err="), "{back}");
    let html = followed(&app, &browser, &res).await;
    assert!(
        html.contains("Enter an email address like name@example.org."),
        "{html}"
    );
    assert!(html.contains("Request a new invitation"));

    let res = request_new(&mut browser, "late@acme.example").await;
    assert_eq!(
        location(&res),
        format!("/register?token={token}&org={org}&reissue=requested")
    );
    let page = app.get(&browser, &location(&res)).await;
    assert_eq!(page.status(), StatusCode::GONE);
    let html = page.text().await.unwrap();
    assert!(html.contains("has been asked to send a new one"), "{html}");
    assert!(
        !html.contains("Request a new invitation"),
        "the form gives way to the answer"
    );
    let requested: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM invitation_audit_events WHERE action = 'reissue_requested'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(requested, 1);
}

/// A signed-in person whose email the invitation names accepts it with a plain form post; a
/// refusal comes back to the page as a message.
#[tokio::test]
async fn a_signed_in_invitee_accepts_with_a_plain_form_post() {
    let app = spawn_app().await;
    let (_, mut owner) = app.manager("company").await;
    let home = app.organisation("Home Co", "company").await;
    app.user("known@example.org", home, "member").await;
    app.invite(&mut owner, "known@example.org", "admin").await;
    let (token, org) = app.latest_token("known@example.org").await;
    let from = format!("/register?token={token}&org={org}");

    let mut known = app.sign_in("known@example.org").await;
    let html = app.get(&known, &from).await.text().await.unwrap();
    assert!(
        html.contains(r#"action="/rpc/registration/accept""#) && html.contains("Accept invitation"),
        "a form that posts itself: {html}"
    );
    // A link of another organisation is refused, back on the page it came from.
    let (other, _) = app.manager("company").await;
    let res = app
        .plain_post(
            &mut known,
            "/rpc/registration/accept",
            &from,
            &[("token", &token), ("org", &other.to_string())],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let html = followed(&app, &known, &res).await;
    assert!(html.contains("Accept invitation"), "{html}");
    assert!(
        html.contains("This invitation link is not valid. Check that you copied all of it."),
        "{html}"
    );

    let res = app
        .plain_post(
            &mut known,
            "/rpc/registration/accept",
            &from,
            &[("token", &token), ("org", &org)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(location(&res), "/company");
}
