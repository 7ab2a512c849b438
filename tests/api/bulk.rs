//! Bulk invitations over HTTP: the dry run's verdicts, the background job and its result
//! file, re-uploads that create nothing twice, bad files, and a job resumed by another
//! instance after its worker died.

use crate::helpers::{spawn_app_with, Browser, TestApp};
use reqwest::{header, StatusCode};
use serde_json::Value;
use std::time::Duration;

const HEADER: &str = "\u{feff}Email;First_Name;Last_Name;Role;Designation;expires_in_days\n";

async fn upload(
    app: &TestApp,
    base: &str,
    admin: &Browser,
    query: &str,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> reqwest::Response {
    let req = app
        .client
        .post(format!("{base}/api/invitations/bulk{query}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(body);
    admin.send(req).await
}

/// Uploads `csv` for real (no dry run), expects it queued (202) and returns the job's id.
async fn queue(app: &TestApp, admin: &Browser, csv: impl Into<reqwest::Body>) -> String {
    let res = upload(app, &app.base, admin, "", "text/csv", csv).await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    res.json::<Value>().await.unwrap()["job"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The result file of import `job`, as its owner downloads it.
async fn result_file(app: &TestApp, admin: &Browser, job: &str) -> String {
    let res = admin
        .send(app.client.get(format!(
            "{}/api/invitations/bulk/{job}/result.csv",
            app.base
        )))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.text().await.unwrap()
}

async fn wait_done(app: &TestApp, admin: &Browser, job: &str) -> Value {
    for _ in 0..100 {
        let v: Value = admin
            .send(
                app.client
                    .get(format!("{}/api/invitations/bulk/{job}", app.base)),
            )
            .await
            .json()
            .await
            .unwrap();
        if v["status"] == "done" {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the import did not finish");
}

#[tokio::test]
async fn a_dry_run_judges_every_row_and_the_job_writes_the_valid_ones_once() {
    let app = spawn_app_with(|c| c.bulk_daily_quota = 4).await;
    let (org, _) = app.manager("company").await;
    app.user("admin@bulk.example", org, "admin").await;
    let admin = app.sign_in("admin@bulk.example").await;
    app.user("member@bulk.example", org, "member").await;
    let mut inviter = admin.clone();
    app.invite(&mut inviter, "pending@bulk.example", "member")
        .await;

    let csv = format!(
        "{HEADER}ada@bulk.example;Ada;Lovelace;member;Analyst;3\n\
         not-an-email;Bob;Smith;member;;\n\
         ADA@bulk.example;Ada;Again;member;;\n\
         member@bulk.example;Mem;Ber;member;;\n\
         pending@bulk.example;Pen;Ding;member;;\n\
         boss@bulk.example;Bo;Ss;owner;;\n\
         =HYPERLINK(\"http://evil\");X;Y;member;;\n\
         grace@bulk.example;Grace;Hopper;member;;31\n\
         c1@bulk.example;C;One;member;;\n\
         c2@bulk.example;C;Two;member;;\n\
         c3@bulk.example;C;Three;member;;\n\
         c4@bulk.example;C;Four;member;;\n"
    );
    let before = app.user_invitation_count().await;
    let res = upload(
        &app,
        &app.base,
        &admin,
        "?dry_run=true",
        "text/csv",
        csv.clone(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let preview: Value = res.json().await.unwrap();
    let verdicts: Vec<&str> = preview["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(
        verdicts,
        [
            "valid",
            "invalid",
            "duplicate",
            "member",
            "pending",
            "role_not_allowed",
            "invalid",
            "invalid",
            "valid",
            "valid",
            "valid",
            "over_quota"
        ]
    );
    assert!(preview["rows"][1]["errors"]["email"].is_string());
    assert!(preview["rows"][7]["errors"]["expires_in_days"].is_string());
    assert_eq!(preview["totals"]["valid"], 4);
    assert_eq!(preview["totals"]["over_quota"], 1);
    assert_eq!(
        app.user_invitation_count().await,
        before,
        "a dry run writes nothing"
    );

    // Confirmed: the job writes the four valid rows and records every row's outcome.
    let res = upload(&app, &app.base, &admin, "", "text/csv", csv.clone()).await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let location = res.headers()[header::LOCATION].to_str().unwrap().to_owned();
    let accepted: Value = res.json().await.unwrap();
    let job = accepted["job"]["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/api/invitations/bulk/{job}"));
    let done = wait_done(&app, &admin, &job).await;
    assert_eq!(done["created_rows"], 4);
    assert_eq!(done["processed_rows"], 12);
    // Each email is queued with no body at rest (no one-time link stored in the outbox): it
    // is rendered from the invitation's sealed token as it leaves.
    let (invitations, bodiless, audited): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM invitations WHERE bulk_import_id IS NOT NULL),
                (SELECT count(*) FROM email_outbox o JOIN invitations i ON i.id = o.invitation_id
                  WHERE i.bulk_import_id IS NOT NULL AND o.render_at_send
                    AND o.body_ciphertext IS NULL AND o.text_body = ''
                    AND o.html_body = '' AND o.status = 'queued'),
                (SELECT count(*) FROM audit_events WHERE action = 'created'
                    AND detail->>'bulk_import_id' = $1)",
    )
    .bind(&job)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((invitations, bodiless, audited), (4, 4, 4));
    // Each audit event describes its own invitation (the job writes the details from the rows
    // it inserted, not by reading them back).
    let described: i64 = sqlx::query_scalar(
        r#"SELECT count(*) FROM audit_events a JOIN invitations i ON i.id = a.subject_id
            WHERE a.action = 'created' AND a.subject_type = 'invitation'
              AND a.detail->>'bulk_import_id' = $1
              AND a.organisation_id = i.organisation_id
              AND a.detail->>'organisation_id' = i.organisation_id::text
              AND a.detail->>'email' = i.email::text AND a.detail->>'role' = i.role
              AND a.detail->>'delivery' = 'email'
              AND a.detail->>'expires_at' = to_char(i.expires_at AT TIME ZONE 'UTC',
                                                    'YYYY-MM-DD"T"HH24:MI:SS"Z"')"#,
    )
    .bind(&job)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(described, 4);
    let hours: f64 = sqlx::query_scalar(
        "SELECT extract(epoch FROM expires_at - created_at)::float8 / 3600 FROM invitations
          WHERE email = 'ada@bulk.example'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!((hours - 72.0).abs() < 0.01, "expires_in_days 3: {hours}");
    assert!(app
        .mail_text("ada@bulk.example")
        .await
        .contains("/register?token="));

    // The result file: a line per row, formula cells neutralised.
    let res = admin
        .send(app.client.get(format!("{}{location}/result.csv", app.base)))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let text = res.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "row,email,outcome,invitation_id,error");
    assert_eq!(lines.len(), 13);
    assert!(
        lines[1].starts_with("1,ada@bulk.example,created,"),
        "{}",
        lines[1]
    );
    assert!(
        text.contains("\"'=HYPERLINK(\"\"http://evil\"\")\""),
        "{text}"
    );
    assert!(!text.contains("\n7,=HYPERLINK"));

    // The same file again creates nothing twice.
    let res = upload(&app, &app.base, &admin, "", "text/csv", csv).await;
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["status"], 422, "{problem}");
    assert!(problem["errors"]["file"].is_string());
    let count: i64 =
        sqlx::query_scalar("SELECT count(*) FROM invitations WHERE bulk_import_id IS NOT NULL")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(count, 4);

    // Another organisation's admin sees no such import.
    let (_, other) = app.manager("company").await;
    let res = other
        .send(app.client.get(format!("{}{location}", app.base)))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_files_get_a_clear_message_and_write_nothing() {
    let app = spawn_app_with(|_| {}).await;
    let (_, admin) = app.manager("company").await;
    let before = app.user_invitation_count().await;
    let cases: Vec<(Vec<u8>, &str, &str)> = vec![
        (vec![0xff, 0xfe, b'a'], "text/csv", "UTF-8"),
        (
            b"email,first_name\nx@y.org,X\n".to_vec(),
            "text/csv",
            "lacks",
        ),
        (
            b"email,first_name,last_name,role,shoe\n".to_vec(),
            "text/csv",
            "do not know",
        ),
        (Vec::new(), "text/csv", "empty"),
        (b"[]".to_vec(), "application/json", "at least one"),
    ];
    for (body, kind, says) in cases {
        let res = upload(&app, &app.base, &admin, "?dry_run=true", kind, body).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{says}");
        let p: Value = res.json().await.unwrap();
        assert!(p["errors"]["file"].as_str().unwrap().contains(says), "{p}");
    }
    let mut many = String::from("email,first_name,last_name,role\n");
    for i in 0..10_001 {
        many.push_str(&format!("p{i}@x.org,A,B,member\n"));
    }
    let res = upload(&app, &app.base, &admin, "?dry_run=true", "text/csv", many).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = upload(
        &app,
        &app.base,
        &admin,
        "?dry_run=true",
        "text/csv",
        vec![b'a'; 6 * 1024 * 1024 + 1],
    )
    .await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let res = upload(&app, &app.base, &admin, "", "text/plain", "email\n").await;
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let res = upload(&app, &app.base, &admin, "", "application/json", "[{").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    // JSON rows go through the same checks.
    let res = upload(
        &app,
        &app.base,
        &admin,
        "?dry_run=true",
        "application/json",
        r#"[{"email":"json@x.org","first_name":"J","last_name":"Son","role":"member","expires_in_days":2}]"#,
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.json::<Value>().await.unwrap()["rows"][0]["verdict"],
        "valid"
    );
    assert_eq!(app.user_invitation_count().await, before);
}

#[tokio::test]
async fn a_job_whose_worker_died_is_finished_by_another_instance() {
    // This instance writes no jobs: its worker "died" (another holds the lease, below).
    let app = spawn_app_with(|c| c.bulk_workers = 0).await;
    let (_, admin) = app.manager("company").await;
    let mut csv = String::from("email,first_name,last_name,role\n");
    // Three chunks of rows.
    for i in 0..2_500 {
        csv.push_str(&format!("r{i}@resume.example,Re,Sume,member\n"));
    }
    let job = queue(&app, &admin, csv).await;
    // A worker claimed it, committed its second chunk (rows 1,001 to 2,000) and died holding
    // the lease for one more second. By then those 1,000 people had been invited another way,
    // so that chunk made no invitation.
    sqlx::query(
        "UPDATE bulk_imports SET status = 'running', lease_id = gen_random_uuid(),
                locked_until = now() + interval '1 second', chunks_done = '{1}',
                processed_rows = 1000",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    // The lease lapses after a second; the other instance's worker finds it by polling and
    // writes only the chunks not committed.
    app.another_instance(|c| {
        c.bulk_workers = 1;
        c.bulk_poll_interval = Duration::from_millis(100);
    })
    .await;
    let done = wait_done(&app, &admin, &job).await;
    assert_eq!(done["processed_rows"], 2_500);
    assert_eq!(done["created_rows"], 1_500);
    let (chunks, invitations): (Vec<i32>, i64) = sqlx::query_as(
        "SELECT b.chunks_done,
                (SELECT count(*) FROM invitations i
                  WHERE i.bulk_import_id = b.id AND i.reminder_ciphertext IS NOT NULL)
           FROM bulk_imports b",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let mut chunks = chunks;
    chunks.sort_unstable();
    assert_eq!(chunks, vec![0, 1, 2], "every chunk on record, once");
    assert_eq!(
        invitations, 1_500,
        "no row was written twice, and each keeps its token sealed for the reminder"
    );

    // Every row's outcome is on record: the result file reads it off its chunk.
    let text = result_file(&app, &admin, &job).await;
    let outcomes: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(2).unwrap())
        .collect();
    assert_eq!(outcomes.len(), 2_500);
    assert!(outcomes[..1_000].iter().all(|o| *o == "created"));
    assert!(outcomes[1_000..2_000].iter().all(|o| *o == "skipped"));
    assert!(outcomes[2_000..].iter().all(|o| *o == "created"));
    assert!(text
        .lines()
        .nth(1_001)
        .unwrap()
        .ends_with("Already a member or already invited by now."));
}

#[tokio::test]
async fn a_bulk_email_is_rendered_as_it_leaves_and_no_reminder_overtakes_it() {
    use crate::helpers::{
        eventually, link_parts,
        smtp::{free_port, start_sink},
    };
    let fast = |c: &mut gatehouse::config::Config| {
        c.expiry_sweep_interval = Duration::from_millis(100);
    };
    // No SMTP here: the emails wait in the outbox.
    let app = spawn_app_with(fast).await;
    let (org, _) = app.manager("company").await;
    app.user("admin@bulk.example", org, "admin").await;
    let admin = app.sign_in("admin@bulk.example").await;
    let csv = format!(
        "{HEADER}soon@bulk.example;Soon;Row;member;;1\n\
         gone@bulk.example;Gone;Row;member;;\n"
    );
    let job = queue(&app, &admin, csv).await;
    wait_done(&app, &admin, &job).await;

    // Expiring in a day, its reminder is due at once; but its invitation email has not left,
    // and the reminder would take the sealed token that email is rendered from.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let queued = |email: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT count(*) FROM email_outbox WHERE recipient = $1::citext",
            )
            .bind(email)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    assert_eq!(queued("soon@bulk.example").await, 1, "no reminder yet");

    // The dev mailbox renders the waiting email, with a link that opens the registration.
    let text = app.mail_text("soon@bulk.example").await;
    let (token, org_param) = link_parts(&text).expect("a registration link");
    let page = app
        .get(
            &Browser::anonymous(),
            &format!("/register?token={token}&org={org_param}"),
        )
        .await;
    assert_eq!(page.status(), StatusCode::OK);

    // The other invitation expires before its email leaves.
    sqlx::query(
        "UPDATE invitations SET expires_at = now() - interval '1 minute'
          WHERE email = 'gone@bulk.example'",
    )
    .execute(&app.pool)
    .await
    .unwrap();

    // An instance with SMTP renders and sends the first, and sends nothing for the second.
    let sink = start_sink(free_port());
    app.another_instance(|c| {
        fast(c);
        c.smtp_url = Some(secrecy::SecretString::from(format!(
            "smtp://127.0.0.1:{}",
            sink.port
        )));
    })
    .await;
    let msg = sink
        .message_to("soon@bulk.example", 10)
        .await
        .expect("the invitation arrives");
    let msg = msg.replace("=\r\n", "").replace("=3D", "=");
    assert_eq!(link_parts(&msg).map(|(t, _)| t), Some(token));
    assert!(msg.contains("text/plain") && msg.contains("text/html"));
    let failed: (String, Option<String>) = eventually(
        5,
        || async {
            sqlx::query_as(
                "SELECT status, last_error FROM email_outbox
                  WHERE recipient = 'gone@bulk.example'",
            )
            .fetch_one(&app.pool)
            .await
            .unwrap()
        },
        |r: &(String, Option<String>)| r.0 != "queued",
    )
    .await;
    assert_eq!(failed.0, "failed");
    assert!(failed.1.unwrap().contains("withdrawn or expired"));
    assert!(sink.message_to("gone@bulk.example", 1).await.is_none());

    // The sent message records what it was rendered with, and keeps no body.
    let sent: (String, String, Option<String>, Option<i32>, String) = eventually(
        5,
        || async {
            sqlx::query_as(
                "SELECT status, subject, template_kind, template_version,
                        text_body || html_body || coalesce(encode(body_ciphertext, 'hex'), '')
                   FROM email_outbox WHERE recipient = 'soon@bulk.example' ORDER BY id LIMIT 1",
            )
            .fetch_one(&app.pool)
            .await
            .unwrap()
        },
        |r: &(String, String, Option<String>, Option<i32>, String)| r.0 == "sent",
    )
    .await;
    assert!(
        sent.1.starts_with("Invitation to join"),
        "subject recorded: {}",
        sent.1
    );
    assert_eq!(
        (sent.2.as_deref(), sent.3, sent.4.as_str()),
        (Some("invitation"), Some(0), "")
    );

    // Once it left, the reminder follows with the same link.
    let reminded = eventually(5, || queued("soon@bulk.example"), |n| *n >= 2).await;
    assert_eq!(reminded, 2);
}

#[tokio::test]
async fn someone_invited_between_the_check_and_the_job_is_skipped_not_invited_twice() {
    // No worker here: the job waits until another instance picks it up.
    let app = spawn_app_with(|c| c.bulk_workers = 0).await;
    let (org, _) = app.manager("company").await;
    app.user("admin@race.example", org, "admin").await;
    let mut admin = app.sign_in("admin@race.example").await;
    let csv = "email,first_name,last_name,role\n\
               one@race.example,One,Row,member\n\
               two@race.example,Two,Row,member\n\
               three@race.example,Three,Row,member\n";
    let job = queue(&app, &admin, csv).await;
    // Checked and queued; meanwhile someone invites Two one at a time.
    app.invite(&mut admin, "Two@Race.example", "member").await;

    app.another_instance(|c| c.bulk_workers = 1).await;
    let done = wait_done(&app, &admin, &job).await;
    assert_eq!(
        (
            done["processed_rows"].as_i64(),
            done["created_rows"].as_i64()
        ),
        (Some(3), Some(2))
    );
    let pending: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM invitations WHERE email = 'two@race.example' AND status = 'pending'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(pending, 1, "Two keeps the one invitation made meanwhile");
    let text = result_file(&app, &admin, &job).await;
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[1].starts_with("1,one@race.example,created,"),
        "{}",
        lines[1]
    );
    assert_eq!(
        lines[2],
        "2,two@race.example,skipped,,Already a member or already invited by now."
    );
    assert!(
        lines[3].starts_with("3,three@race.example,created,"),
        "{}",
        lines[3]
    );
}

#[tokio::test]
async fn a_bulk_email_takes_the_template_in_use_as_it_leaves() {
    let app = spawn_app_with(|_| {}).await;
    let (org, _) = app.manager("company").await;
    app.user("admin@broken.example", org, "admin").await;
    let admin = app.sign_in("admin@broken.example").await;
    let job = queue(
        &app,
        &admin,
        "email,first_name,last_name,role\nrow@broken.example,Row,One,member\n",
    )
    .await;
    wait_done(&app, &admin, &job).await;
    // Rendered as it leaves, so with the template in use by then: a version stored after the
    // import ...
    let store = |version: i32, text: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query(
                "INSERT INTO email_templates (organisation_id, kind, version, subject, body_text,
                                              body_html)
                 VALUES ($1, 'invitation', $2, 'Hello', $3, '<p>{{ link }}</p>')",
            )
            .bind(org)
            .bind(version)
            .bind(text)
            .execute(&pool)
            .await
            .unwrap();
        }
    };
    store(1, "Welcome aboard, {{ invitee_first_name }}: {{ link }}").await;
    let text = app.mail_text("row@broken.example").await;
    assert!(text.contains("Welcome aboard, Row:"), "{text}");
    assert!(crate::helpers::link_parts(&text).is_some(), "{text}");
    // ... and one that parses but fails when rendered (an unknown placeholder; no template
    // saved through Gatehouse can, since saving renders it first) gives way to the built-in
    // text, link included.
    store(2, "{{ no_such_placeholder }} {{ link }}").await;
    let text = app.mail_text("row@broken.example").await;
    assert!(text.contains("You have been invited"), "{text}");
    assert!(crate::helpers::link_parts(&text).is_some(), "{text}");
}
