//! Organisations (platform admins) and the operator paths: admin-link, production mode.

use crate::helpers::{spawn_app, spawn_app_with, Browser};
use gatehouse::{config::Environment, domain::EmailAddress};
use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::Value;

#[tokio::test]
async fn platform_admins_create_associations_and_companies_and_invite_into_them() {
    let app = spawn_app().await;
    let (_, mut admin) = app.manager("platform").await;
    let res = app
        .post(
            &mut admin,
            "/rpc/organisations/create",
            &[("name", "Makers Guild"), ("kind", "association")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let guild: String = res.json().await.unwrap();
    let res = app
        .post(
            &mut admin,
            "/rpc/organisations/create",
            &[
                ("name", "Acme Ltd"),
                ("kind", "company"),
                ("parent_id", &guild),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let acme: String = res.json().await.unwrap();

    // Names are unique regardless of case; kinds and parents are checked.
    for (form, field) in [
        (vec![("name", "acme ltd"), ("kind", "company")], "name"),
        (vec![("name", "Other"), ("kind", "platform")], "kind"),
        (
            vec![
                ("name", "Other"),
                ("kind", "association"),
                ("parent_id", guild.as_str()),
            ],
            "parent_id",
        ),
        (
            vec![
                ("name", "Other"),
                ("kind", "company"),
                ("parent_id", acme.as_str()),
            ],
            "parent_id",
        ),
    ] {
        let res = app
            .post(&mut admin, "/rpc/organisations/create", &form)
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{form:?}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["Validation"][0]["field"], field, "{form:?}");
    }

    let list: Value = app
        .post(&mut admin, "/rpc/organisations/list", &[])
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names[1..], ["Acme Ltd", "Makers Guild"]);
    assert_eq!(list[1]["parent_name"], "Makers Guild");

    // The platform admin may invite into any organisation, with that organisation's roles.
    let options: Value = app
        .post(&mut admin, "/rpc/invitations/options", &[])
        .await
        .json()
        .await
        .unwrap();
    let acme_opt = options["organisations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "Acme Ltd")
        .unwrap();
    let roles: Vec<&str> = acme_opt["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["value"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["owner", "admin", "integration_manager", "member"]);
    let res = app
        .post(
            &mut admin,
            "/rpc/invitations/create",
            &[
                ("organisation_id", &acme),
                ("email", "boss@acme.example"),
                ("first_name", "B"),
                ("last_name", "Oss"),
                ("role", "owner"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .post(
            &mut admin,
            "/rpc/invitations/create",
            &[
                ("organisation_id", &guild),
                ("email", "x@guild.example"),
                ("first_name", "X"),
                ("last_name", "Y"),
                ("role", "owner"),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "associations have no owners"
    );

    // Nobody else sees or creates organisations.
    let (_, mut owner) = app.manager("company").await;
    for path in ["/rpc/organisations/list", "/rpc/organisations/create"] {
        let res = app
            .post(&mut owner, path, &[("name", "Mine"), ("kind", "company")])
            .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path}");
        let res = app
            .post(
                &mut Browser::anonymous(),
                path,
                &[("name", "Mine"), ("kind", "company")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
}

#[tokio::test]
async fn admin_link_replaces_the_lost_bootstrap_link() {
    let app = spawn_app().await;
    let (old_token, org) = app.latest_token("admin@localhost").await;
    let state = gatehouse::startup::prepare(gatehouse::config::Config::local(&app.db_url))
        .await
        .unwrap();
    let email = EmailAddress::parse("admin@localhost").unwrap();
    let link = gatehouse::bootstrap::issue_admin_link(&state, email.clone())
        .await
        .unwrap();
    let (new_token, new_org) = crate::helpers::link_parts(&link).unwrap();
    assert_eq!(new_org, org);
    assert_ne!(new_token, old_token);
    let anon = Browser::anonymous();
    assert_eq!(
        app.get(&anon, &format!("/register?token={old_token}&org={org}"))
            .await
            .status(),
        StatusCode::GONE
    );
    assert_eq!(
        app.get(&anon, &format!("/register?token={new_token}&org={org}"))
            .await
            .status(),
        StatusCode::OK
    );

    // Once the admin has an account, the command refuses.
    app.user("taken@localhost", org.parse().unwrap(), "admin")
        .await;
    let err = gatehouse::bootstrap::issue_admin_link(
        &state,
        EmailAddress::parse("taken@localhost").unwrap(),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("already has an account"));
}

#[tokio::test]
async fn production_mode_has_no_dev_mailbox() {
    let app = spawn_app_with(|c| {
        c.environment = Environment::Production;
        c.smtp_url = Some(SecretString::from("smtp://127.0.0.1:9".to_owned()));
    })
    .await;
    let anon = Browser::anonymous();
    assert_eq!(
        app.get(&anon, "/dev/mailbox").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&anon, "/dev/mailbox/1/html").await.status(),
        StatusCode::NOT_FOUND
    );
    let res = app
        .post(&mut Browser::anonymous(), "/rpc/dev/mailbox", &[])
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    let dev = spawn_app().await;
    assert_eq!(
        dev.get(&anon, "/dev/mailbox").await.status(),
        StatusCode::OK
    );
}
