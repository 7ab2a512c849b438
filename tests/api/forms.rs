//! Forms posted without scripts: the server answers every plain form post with a redirect, to
//! the next page on success and back to the form, with the error in the query, on failure.

use crate::helpers::{spawn_app, Browser, PASSWORD};
use reqwest::{header, StatusCode};

fn location(res: &reqwest::Response) -> String {
    res.headers()[header::LOCATION].to_str().unwrap().to_owned()
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
    let html = app
        .get(&browser, back.trim_start_matches(&app.base))
        .await
        .text()
        .await
        .unwrap();
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
