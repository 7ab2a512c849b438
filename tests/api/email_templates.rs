//! Email templates per organisation over HTTP: a saved version is what new invitations say,
//! with the version and the sender settings recorded on each queued email; broken templates
//! are refused beside their field and change nothing; the sandbox stops endless work; test
//! sends reach the admin; resets, audit events, the preview frame's own policy, and other
//! organisations untouched.

use crate::helpers::{link_parts, smtp::start_sink, spawn_app, spawn_app_with, Browser, TestApp};
use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::Value;

const SUBJECT: &str = "Welcome aboard {{ organisation }}";
const TEXT: &str =
    "Dear {{ invitee_first_name }} {{ invitee_last_name }},\n\nJoin here: {{ link }}\n";
const HTML: &str = "{% extends \"layout.html\" %}{% block content %}<p>Dear {{ invitee_first_name }}</p><a href=\"{{ link }}\">Join</a>{% endblock %}";

async fn save(
    app: &TestApp,
    b: &mut Browser,
    kind: &str,
    subject: &str,
    text: &str,
    html: &str,
) -> reqwest::Response {
    app.post(
        b,
        "/rpc/email-templates/save",
        &[
            ("kind", kind),
            ("subject", subject),
            ("body_text", text),
            ("body_html", html),
        ],
    )
    .await
}

/// `(template_kind, template_version, sender_name, reply_to, subject)` of the newest email to
/// `email`.
async fn recorded(
    app: &TestApp,
    email: &str,
) -> (
    Option<String>,
    Option<i32>,
    Option<String>,
    Option<String>,
    String,
) {
    sqlx::query_as(
        "SELECT template_kind, template_version, sender_name, reply_to, subject
           FROM email_outbox WHERE recipient = $1::citext ORDER BY id DESC LIMIT 1",
    )
    .bind(email)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

async fn versions(app: &TestApp, org: uuid::Uuid) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM email_templates WHERE organisation_id = $1")
        .bind(org)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_saved_template_is_what_new_invitations_say_with_its_version_and_sender() {
    let app = spawn_app().await;
    let (org, mut admin) = app.manager("company").await;
    let res = save(&app, &mut admin, "invitation", SUBJECT, TEXT, HTML).await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    let editor: Value = res.json().await.unwrap();
    assert_eq!(editor["version"], 1);
    assert_eq!(editor["is_default"], false);
    assert!(editor["preview"]["body_text"]
        .as_str()
        .unwrap()
        .starts_with("Dear Ada Lovelace,"));
    let res = app
        .post(
            &mut admin,
            "/rpc/email-templates/sender",
            &[
                ("sender_name", "Acme People Team"),
                ("reply_to", "people@acme.example"),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );

    let res = app.invite(&mut admin, "new@example.org", "member").await;
    assert_eq!(res.status(), StatusCode::OK);
    let (kind, version, sender, reply_to, subject) = recorded(&app, "new@example.org").await;
    assert_eq!(kind.as_deref(), Some("invitation"));
    assert_eq!(version, Some(1));
    assert_eq!(sender.as_deref(), Some("Acme People Team"));
    assert_eq!(reply_to.as_deref(), Some("people@acme.example"));
    assert!(subject.starts_with("Welcome aboard Org "), "{subject}");
    let text = app.mail_text("new@example.org").await;
    assert!(text.starts_with("Dear Ada Lovelace,"), "{text}");
    let (token, link_org) = link_parts(&text).expect("the link is in the email");
    assert_eq!(link_org, org.to_string());
    let res = app
        .get(
            &Browser::anonymous(),
            &format!("/register?token={token}&org={org}"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK, "the link works");

    // Reset: the built-in template again, as version 2, on the next email.
    let res = app
        .post(
            &mut admin,
            "/rpc/email-templates/reset",
            &[("kind", "invitation")],
        )
        .await;
    let editor: Value = res.json().await.unwrap();
    assert_eq!(
        (editor["version"].as_i64(), editor["is_default"].as_bool()),
        (Some(2), Some(true))
    );
    app.invite(&mut admin, "after-reset@example.org", "member")
        .await;
    let (_, version, _, _, subject) = recorded(&app, "after-reset@example.org").await;
    assert_eq!(version, Some(2));
    assert!(subject.starts_with("Invitation to join"), "{subject}");

    // Both changes and the sender are in the audit log, with the organisation as subject.
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_events WHERE subject_type = 'organisation' AND subject_id = $1
          ORDER BY id",
    )
    .bind(org)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        actions,
        [
            "email_template_saved",
            "email_sender_changed",
            "email_template_reset"
        ]
    );

    // Another organisation still sends the built-in email.
    let (_, mut other) = app.manager("company").await;
    app.invite(&mut other, "elsewhere@example.org", "member")
        .await;
    let (_, version, sender, _, subject) = recorded(&app, "elsewhere@example.org").await;
    assert_eq!((version, sender), (Some(0), None));
    assert!(subject.starts_with("Invitation to join"));
}

#[tokio::test]
async fn a_broken_template_is_refused_beside_its_field_and_the_version_in_use_stays() {
    let app = spawn_app().await;
    let (org, mut admin) = app.manager("association").await;
    let res = save(&app, &mut admin, "invitation_reminder", SUBJECT, TEXT, HTML).await;
    assert_eq!(res.status(), StatusCode::OK);

    let cases: [(&str, &str, &str, &str, &str); 5] = [
        ("subject", "Hi {{ nickname }}", TEXT, HTML, "Line 1: unknown placeholder {{ nickname }}"),
        ("body_text", SUBJECT, "Join: {{ link }}\n{% if inviter %}\nno end", HTML, "Line 2: syntax error"),
        ("body_html", SUBJECT, TEXT, "<p>No link</p>", "must show the link"),
        ("body_text", SUBJECT, "{% for a in link %}{% for b in link %}{% for c in link %}{% for d in link %}{% for e in link %}x{% endfor %}{% endfor %}{% endfor %}{% endfor %}{% endfor %}{{ link }}", HTML, "too much work"),
        ("body_html", SUBJECT, TEXT, "{% include \"invitation/body.html\" %}{{ link }}", "only \"layout.html\""),
    ];
    for (field, subject, text, html, expected) in cases {
        for path in ["/rpc/email-templates/save", "/rpc/email-templates/preview"] {
            let res = app
                .post(
                    &mut admin,
                    path,
                    &[
                        ("kind", "invitation_reminder"),
                        ("subject", subject),
                        ("body_text", text),
                        ("body_html", html),
                    ],
                )
                .await;
            assert_eq!(
                res.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{path} {field}"
            );
            let body = res.text().await.unwrap();
            assert!(body.contains(&format!("\"{field}\"")), "{field}: {body}");
            assert!(
                body.contains(&expected.replace('"', "\\\"")),
                "{field} says {expected:?}: {body}"
            );
        }
    }
    assert_eq!(versions(&app, org).await, 1, "nothing was saved");
    let res = app
        .post(
            &mut admin,
            "/rpc/email-templates/load",
            &[("kind", "invitation_reminder")],
        )
        .await;
    let editor: Value = res.json().await.unwrap();
    assert_eq!(editor["version"], 1);
    assert_eq!(editor["subject"], SUBJECT);

    // An unknown email is a field error too.
    let res = app
        .post(
            &mut admin,
            "/rpc/email-templates/load",
            &[("kind", "reissue_request")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_test_send_reaches_the_admin_from_the_organisation_sender() {
    let sink = start_sink(0);
    let app = spawn_app_with(|c| {
        c.smtp_url = Some(SecretString::from(format!(
            "smtp://127.0.0.1:{}",
            sink.port
        )));
    })
    .await;
    let org = app.organisation("Tessellate Ltd", "company").await;
    app.user("owner@tessellate.example", org, "owner").await;
    let mut admin = app.sign_in("owner@tessellate.example").await;
    app.post(
        &mut admin,
        "/rpc/email-templates/sender",
        &[
            ("sender_name", "Tessellate HR"),
            ("reply_to", "hr@tessellate.example"),
        ],
    )
    .await;
    let res = app
        .post(
            &mut admin,
            "/rpc/email-templates/send-test",
            &[
                ("kind", "credential_invitation"),
                ("subject", "Credentials for {{ partner }}"),
                ("body_text", "Submit them: {{ link }}\n"),
                ("body_html", "<a href=\"{{ link }}\">Submit</a>"),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    assert_eq!(
        res.json::<String>().await.unwrap(),
        "owner@tessellate.example"
    );
    let message = sink
        .message_to("owner@tessellate.example", 10)
        .await
        .expect("the test email arrives");
    assert!(
        message.contains("Subject: [Test] Credentials for Example Partner Ltd"),
        "{message}"
    );
    assert!(
        message.contains("From: \"Tessellate HR\" <") || message.contains("From: Tessellate HR <"),
        "{message}"
    );
    assert!(
        message.contains("Reply-To: hr@tessellate.example"),
        "{message}"
    );
    assert_eq!(versions(&app, org).await, 0, "a test saves nothing");

    // A bad reply-to address is refused beside its field.
    let res = app
        .post(
            &mut admin,
            "/rpc/email-templates/sender",
            &[("sender_name", "X"), ("reply_to", "not an address")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("\"reply_to\""));
}

#[tokio::test]
async fn the_preview_frame_is_a_sandboxed_document_of_its_own() {
    let app = spawn_app().await;
    let (_, mut admin) = app.manager("company").await;
    let res = app
        .get(&admin, "/email-templates/preview-frame?kind=invitation")
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("sandbox") && csp.contains("default-src 'none'"),
        "{csp}"
    );
    assert!(!csp.contains("script-src"), "no scripts: {csp}");
    assert_eq!(res.headers()["x-frame-options"], "SAMEORIGIN");
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert!(res.text().await.unwrap().contains("Complete Registration"));

    let res = app
        .plain_post(
            &mut admin,
            "/email-templates/preview-frame",
            "/email-templates",
            &[
                ("kind", "invitation"),
                ("subject", "Hi"),
                ("body_text", "{{ link }}"),
                ("body_html", "<h1>Hello {{ inviter }}</h1>{{ link }}"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().starts_with("<h1>Hello "));

    let res = app
        .plain_post(
            &mut admin,
            "/email-templates/preview-frame",
            "/email-templates",
            &[
                ("kind", "invitation"),
                ("subject", "Hi"),
                ("body_text", "x"),
                ("body_html", "<script>alert(1)</script>"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("must show the link") && !body.contains("<script>"),
        "{body}"
    );

    // Other pages still refuse every frame.
    let res = app.get(&admin, "/email-templates").await;
    assert_eq!(res.headers()["x-frame-options"], "DENY");
}
