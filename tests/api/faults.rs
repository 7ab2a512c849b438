//! Faults from outside: the database stops and comes back under a running app, and the
//! process is asked to stop while a registration is in flight.

use crate::helpers::{cluster::Cluster, smtp::free_port, spawn_app, spawn_app_on, Browser};
use reqwest::{header, StatusCode};
use sqlx::{Connection, PgConnection};
use std::time::{Duration, Instant};

/// Status and time taken of a POST to server function `path` as `browser`.
async fn timed_post(
    app: &crate::helpers::TestApp,
    browser: &mut Browser,
    path: &str,
) -> (StatusCode, bool, Duration) {
    let started = Instant::now();
    let res = app.post(browser, path, &[]).await;
    let retry = res.headers().contains_key(header::RETRY_AFTER);
    (res.status(), retry, started.elapsed())
}

#[tokio::test]
async fn a_stopped_database_gives_quick_503s_and_its_return_needs_no_restart() {
    let pg = Cluster::start();
    let app = spawn_app_on(&pg.admin_url(), |c| {
        c.database_acquire_timeout = gatehouse::config::DATABASE_ACQUIRE_TIMEOUT;
    })
    .await;
    let (_, mut admin) = app.manager("company").await;
    let list = "/rpc/invitations/list";
    assert_eq!(timed_post(&app, &mut admin, list).await.0, StatusCode::OK);
    let res = app
        .invite(&mut admin, "patient@example.org", "member")
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let (token, org) = app.latest_token("patient@example.org").await;
    let register = format!("/register?token={token}&org={org}");

    pg.stop();
    let started = Instant::now();
    let ready = app
        .client
        .get(format!("{}/readyz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed() < Duration::from_millis(2500),
        "{:?}",
        started.elapsed()
    );
    let health = app
        .client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        health.status(),
        StatusCode::OK,
        "the process itself is fine"
    );
    for path in [list, "/rpc/auth/session"] {
        let (status, retry, took) = timed_post(&app, &mut admin, path).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert!(retry, "{path}: 503 without Retry-After");
        assert!(took < Duration::from_secs(3), "{path} took {took:?}");
    }
    let started = Instant::now();
    let page = app.get(&Browser::anonymous(), &register).await;
    assert_eq!(
        page.status(),
        StatusCode::SERVICE_UNAVAILABLE,
        "a page that needs the database"
    );
    assert!(started.elapsed() < Duration::from_secs(3));

    pg.resume();
    let mut back = false;
    for _ in 0..50 {
        let ready = app
            .client
            .get(format!("{}/readyz", app.base))
            .send()
            .await
            .unwrap();
        if ready.status() == StatusCode::OK {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(back, "ready again without a restart");
    assert_eq!(
        timed_post(&app, &mut admin, list).await.0,
        StatusCode::OK,
        "the same session works"
    );
    let page = app.get(&Browser::anonymous(), &register).await;
    assert_eq!(page.status(), StatusCode::OK);
}

#[tokio::test]
async fn sigterm_during_a_registration_lets_it_complete() {
    // The database and the invitation come from an in-process app; the real binary serves.
    let app = spawn_app().await;
    let (_, mut admin) = app.manager("company").await;
    let res = app.invite(&mut admin, "late@example.org", "member").await;
    assert_eq!(res.status(), StatusCode::OK);
    let (token, org) = app.latest_token("late@example.org").await;
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .env("GATEHOUSE_ENV", "development")
        .env("DATABASE_URL", &app.db_url)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("PUBLIC_URL", &base)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the gatehouse binary starts");
    let mut up = false;
    for _ in 0..100 {
        if let Ok(r) = app.client.get(format!("{base}/healthz")).send().await {
            up = r.status() == StatusCode::OK;
            if up {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "the binary answers /healthz");

    // Hold the invitation's row so the registration waits inside its transaction.
    let mut blocker = PgConnection::connect(&app.db_url).await.unwrap();
    let mut tx = blocker.begin().await.unwrap();
    sqlx::query("SELECT id FROM invitations WHERE email = 'late@example.org' FOR UPDATE")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    let password = "quiet river copper lantern";
    let client = app.client.clone();
    let url = format!("{base}/rpc/registration/complete");
    let form = [
        ("token", token),
        ("org", org),
        ("first_name", "Late".to_owned()),
        ("last_name", "Comer".to_owned()),
        ("password", password.to_owned()),
        ("password_confirmation", password.to_owned()),
    ];
    let request = tokio::spawn(async move {
        client
            .post(url)
            .header("sec-fetch-site", "same-origin")
            .form(&form)
            .send()
            .await
            .map(|r| r.status())
    });
    // Wait until the registration is blocked on the row, then ask the server to stop.
    let mut waiting = false;
    for _ in 0..100 {
        waiting = sqlx::query_scalar::<_, bool>(
            "SELECT EXISTS (SELECT 1 FROM pg_stat_activity
                             WHERE wait_event_type = 'Lock' AND datname = current_database())",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap();
        if waiting {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(waiting, "the registration reached the database");
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        server.try_wait().unwrap().is_none(),
        "still finishing the request"
    );
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "no new connections are accepted while draining"
    );
    tx.rollback().await.unwrap();

    let status = request.await.unwrap().expect("the request was answered");
    assert_eq!(status, StatusCode::OK);
    let accepted: String =
        sqlx::query_scalar("SELECT status FROM invitations WHERE email = 'late@example.org'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(accepted, "accepted");
    let mut exited = None;
    for _ in 0..100 {
        exited = server.try_wait().unwrap();
        if exited.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let exited = exited.unwrap_or_else(|| {
        let _ = server.kill();
        panic!("the server did not exit after finishing the request")
    });
    assert!(exited.success(), "{exited:?}");
}
