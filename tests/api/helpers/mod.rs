//! Test harness: starts the real Gatehouse on port 0 against a fresh database of its own and
//! talks to it over HTTP like a browser would (cookies handled by hand, no redirects followed).

#![allow(dead_code)]

use gatehouse::{auth::passwords::PasswordService, config::Config, startup::Application};
pub mod cluster;
pub mod logs;
pub mod smtp;

use reqwest::{header, Client, Response, StatusCode};
use secrecy::SecretString;
use sqlx::{Connection, PgConnection, PgPool};
use std::time::Duration;
use uuid::Uuid;

/// The PostgreSQL server tests create their databases on.
pub fn admin_url() -> String {
    std::env::var("TEST_PG_ADMIN_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A running Gatehouse and a pool on its database.
pub struct TestApp {
    pub base: String,
    /// The `postgres` database of the server the app's database lives on.
    pub admin_url: String,
    /// The app's database name; dropped when the `TestApp` is.
    pub db_name: String,
    /// The app's own database.
    pub db_url: String,
    pub pool: PgPool,
    pub client: Client,
    /// The app's encryption keys, to open sealed outbox bodies as the app does.
    pub keys: gatehouse::crypto::EncryptionKeys,
    /// The configuration the app started with (for more instances on the same database).
    pub config: Config,
}

/// Drops the test's database (terminating the app's connections), so a run leaves none behind.
impl Drop for TestApp {
    fn drop(&mut self) {
        let name = self.db_name.clone();
        let admin = self.admin_url.clone();
        // A thread with a runtime of its own: drop may run inside the test's runtime.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime for dropping the test database");
            rt.block_on(async {
                let mut conn = PgConnection::connect(&admin).await?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .execute(&mut conn)
                    .await
                    .map(|_| ())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test database {}", self.db_name);
        }
    }
}

/// A browser: its session cookie, the device cookie a successful sign-in leaves, and (for
/// apps that trust the loopback proxy) the client address it claims via `X-Forwarded-For`.
#[derive(Clone, Debug, Default)]
pub struct Browser {
    pub cookie: Option<String>,
    pub device: Option<String>,
    pub forwarded_for: Option<String>,
}

impl Browser {
    pub fn anonymous() -> Self {
        Self::default()
    }

    /// An anonymous browser behind the client address `ip` (seen only by an app whose
    /// `trusted_proxies` include 127.0.0.1).
    pub fn from_ip(ip: &str) -> Self {
        Self {
            forwarded_for: Some(ip.to_owned()),
            ..Self::default()
        }
    }

    /// Adds this browser's cookies and forwarded address to `req`.
    pub fn dress(&self, mut req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let cookies: Vec<&str> = [&self.cookie, &self.device]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        if !cookies.is_empty() {
            req = req.header(header::COOKIE, cookies.join("; "));
        }
        if let Some(ip) = &self.forwarded_for {
            req = req.header("x-forwarded-for", ip);
        }
        req
    }

    /// Sends `req` as this browser ([`Browser::dress`]); a 5xx answer prints what the app
    /// logged for it ([`explain_server_error`]).
    pub async fn send(&self, req: reqwest::RequestBuilder) -> Response {
        let res = self.dress(req).send().await.expect("request sent");
        explain_server_error(&res);
        res
    }

    /// Keeps the session and device cookies `res` sets.
    pub fn absorb(&mut self, res: &Response) {
        if let Some(c) = set_cookie(res, "gatehouse=") {
            self.cookie = Some(c);
        }
        if let Some(c) = set_cookie(res, "gatehouse_device=") {
            self.device = Some(c);
        }
    }
}

pub const PASSWORD: &str = "violet tangerine harbour 42";

/// Starts Gatehouse on a new database with the default test configuration.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts Gatehouse on a new database after `adjust` has changed the configuration.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    spawn_app_on(&admin_url(), adjust).await
}

/// Starts Gatehouse on a new database of the server whose `postgres` database is `admin`.
pub async fn spawn_app_on(admin: &str, adjust: impl FnOnce(&mut Config)) -> TestApp {
    logs::install();
    let name = format!("gatehouse_it_{}", Uuid::new_v4().simple());
    let admin = admin.to_owned();
    let mut conn = PgConnection::connect(&admin)
        .await
        .expect("test PostgreSQL reachable");
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let db_url = format!("{}/{name}", admin.rsplit_once('/').unwrap().0);
    let mut config = Config::local(&db_url);
    config.listen_addr = "127.0.0.1:0".parse().unwrap();
    config.public_url = url::Url::parse("http://gatehouse.test").unwrap();
    config.outbox_poll_interval = Duration::from_millis(100);
    config.expiry_sweep_interval = Duration::from_millis(500);
    // Two test threads share two cores with Argon2 hashes, initdb and Postgres itself: a
    // pooled connection can take longer than the deployed 2 s to come, which would answer a
    // request that has nothing to do with the database being away 503. The tests of that
    // answer set the deployed timeout again (`faults.rs`).
    config.database_acquire_timeout = Duration::from_secs(10);
    adjust(&mut config);
    let keys = config.encryption_keys.clone();
    let started = config.clone();
    let app = Application::build(config).await.expect("app builds");
    let port = app.port();
    tokio::spawn(app.run_until_stopped());
    let pool = PgPool::connect(&db_url).await.unwrap();
    TestApp {
        base: format!("http://127.0.0.1:{port}"),
        admin_url: admin.clone(),
        db_name: name,
        db_url: db_url.clone(),
        pool,
        client: Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        keys,
        config: started,
    }
}

/// For a 5xx answer, prints (to the test's output, shown when it fails) the warnings and
/// errors the app logged inside that request's span, found by its `X-Request-Id`, so that an
/// unexpected 500 or 503 says why.
fn explain_server_error(res: &Response) {
    if !res.status().is_server_error() {
        return;
    }
    let Some(id) = res
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
    else {
        return;
    };
    let needle = format!("\"request_id\":\"{id}\"");
    let logs = logs::captured();
    let lines: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains(&needle))
        .filter(|l| l.contains("\"level\":\"WARN\"") || l.contains("\"level\":\"ERROR\""))
        .collect();
    eprintln!(
        "{} {} (request {id}); the app logged:\n{}",
        res.status(),
        res.url().path(),
        lines.join("\n")
    );
}

/// The raw `name=value` of the session cookie in a response, if set.
fn set_cookie(res: &Response, prefix: &str) -> Option<String> {
    res.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(prefix))
        .map(|v| v.split(';').next().unwrap().to_owned())
}

impl TestApp {
    /// Starts one more instance of the app on the same database with the same configuration
    /// and keys (as instances behind a load balancer share them), after `adjust`; returns its
    /// base URL. It runs until the test ends.
    pub async fn another_instance(&self, adjust: impl FnOnce(&mut Config)) -> String {
        let mut config = self.config.clone();
        config.listen_addr = "127.0.0.1:0".parse().unwrap();
        adjust(&mut config);
        let app = Application::build(config).await.expect("app builds");
        let port = app.port();
        tokio::spawn(app.run_until_stopped());
        format!("http://127.0.0.1:{port}")
    }

    /// POSTs a form to `path` as `browser`, same-origin as a browser would mark it. Picks up
    /// a new session cookie.
    pub async fn post(&self, browser: &mut Browser, path: &str, form: &[(&str, &str)]) -> Response {
        let req = self
            .client
            .post(format!("{}{path}", self.base))
            .header("sec-fetch-site", "same-origin")
            .form(form);
        let res = browser.send(req).await;
        browser.absorb(&res);
        res
    }

    /// POSTs a form to `path` as a browser's own form submission without scripts would: it
    /// accepts `text/html` and names the page of the form, `from` (a path), as `Referer`.
    /// Picks up a new session cookie.
    pub async fn plain_post(
        &self,
        browser: &mut Browser,
        path: &str,
        from: &str,
        form: &[(&str, &str)],
    ) -> Response {
        let req = self
            .client
            .post(format!("{}{path}", self.base))
            .header("sec-fetch-site", "same-origin")
            .header(header::ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8")
            .header(header::REFERER, format!("{}{from}", self.base))
            .form(form);
        let res = browser.send(req).await;
        browser.absorb(&res);
        res
    }

    /// GETs `path` as `browser`.
    pub async fn get(&self, browser: &Browser, path: &str) -> Response {
        let req = self.client.get(format!("{}{path}", self.base));
        browser.send(req).await
    }

    /// Creates an organisation; returns its id.
    pub async fn organisation(&self, name: &str, kind: &str) -> Uuid {
        if kind == "platform" {
            return sqlx::query_scalar("SELECT id FROM organisations WHERE kind = 'platform'")
                .fetch_one(&self.pool)
                .await
                .unwrap();
        }
        let id = Uuid::new_v4();
        sqlx::query("INSERT INTO organisations (id, name, kind) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(name)
            .bind(kind)
            .execute(&self.pool)
            .await
            .unwrap();
        id
    }

    /// Creates a user with [`PASSWORD`] and a membership; returns the user id.
    pub async fn user(&self, email: &str, org: Uuid, role: &str) -> Uuid {
        let phc = PasswordService::new(1, Duration::from_secs(30))
            .hash(SecretString::from(PASSWORD.to_owned()))
            .await
            .unwrap();
        let id = Uuid::new_v4();
        sqlx::query(
            "INSERT INTO users (id, email, first_name, last_name, password_hash)
             VALUES ($1, $2, 'Test', 'User', $3)",
        )
        .bind(id)
        .bind(email)
        .bind(phc)
        .execute(&self.pool)
        .await
        .unwrap();
        sqlx::query("INSERT INTO memberships (user_id, organisation_id, role) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(org)
            .bind(role)
            .execute(&self.pool)
            .await
            .unwrap();
        id
    }

    /// Signs in; panics unless it works.
    pub async fn sign_in(&self, email: &str) -> Browser {
        let mut b = Browser::anonymous();
        let res = self
            .post(
                &mut b,
                "/rpc/auth/sign-in",
                &[("email", email), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "sign-in of {email}: {}",
            res.text().await.unwrap()
        );
        assert!(b.cookie.is_some(), "sign-in sets a session cookie");
        b
    }

    /// A manager of a new organisation of `kind`, signed in.
    pub async fn manager(&self, kind: &str) -> (Uuid, Browser) {
        let org = self
            .organisation(&format!("Org {}", Uuid::new_v4()), kind)
            .await;
        let role = match kind {
            "platform" | "cooperative" => "admin",
            "association" => "manager",
            _ => "owner",
        };
        let email = format!("{}@{kind}.example", Uuid::new_v4().simple());
        self.user(&email, org, role).await;
        (org, self.sign_in(&email).await)
    }

    /// Invites `email` as `browser`; returns the response.
    pub async fn invite(&self, browser: &mut Browser, email: &str, role: &str) -> Response {
        self.post(
            browser,
            "/rpc/invitations/create",
            &[
                ("email", email),
                ("first_name", "Ada"),
                ("last_name", "Lovelace"),
                ("role", role),
                ("designation", "Analyst"),
                ("department", ""),
            ],
        )
        .await
    }

    /// The token in the newest email to `email` (read from the outbox).
    pub async fn latest_token(&self, email: &str) -> (String, String) {
        let body = self.mail_text(email).await;
        link_parts(&body).expect("email has a registration link")
    }

    /// The text body of the newest email to `email`, opened with the app's keys (empty once
    /// the message was sent, failed or cancelled).
    pub async fn mail_text(&self, email: &str) -> String {
        use gatehouse::email::outbox::{open_body, StoredBody};
        type Bytes = Option<Vec<u8>>;
        let row: (i64, String, String, Option<String>, Bytes, Bytes, bool) = sqlx::query_as(
            "SELECT id, text_body, html_body, body_key_id, body_nonce, body_ciphertext,
                    render_at_send
                   FROM email_outbox WHERE recipient = $1::citext ORDER BY id DESC LIMIT 1",
        )
        .bind(email)
        .fetch_one(&self.pool)
        .await
        .expect("an email was queued");
        if row.6 {
            // No body at rest: the dev mailbox renders it as the outbox would send it.
            let res = self
                .post(&mut Browser::anonymous(), "/rpc/dev/mailbox", &[])
                .await;
            assert_eq!(res.status(), reqwest::StatusCode::OK);
            let messages: serde_json::Value = res.json().await.expect("mailbox JSON");
            return messages
                .as_array()
                .expect("a list of messages")
                .iter()
                .find(|m| m["id"] == row.0)
                .and_then(|m| m["text_body"].as_str())
                .expect("the message is in the mailbox")
                .to_owned();
        }
        let body = StoredBody {
            key_id: row.3,
            nonce: row.4,
            ciphertext: row.5,
            text: row.1,
            html: row.2,
        };
        open_body(&self.keys, row.0, body)
            .expect("the body opens")
            .0
    }

    /// How many invitations people (not the system's bootstrap) have created.
    pub async fn user_invitation_count(&self) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM invitations WHERE inviter_id IS NOT NULL")
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    /// The id of the invitation for `email`.
    pub async fn invitation_id(&self, email: &str) -> Uuid {
        sqlx::query_scalar(
            "SELECT id FROM invitations WHERE email = $1::citext ORDER BY created_at DESC LIMIT 1",
        )
        .bind(email)
        .fetch_one(&self.pool)
        .await
        .unwrap()
    }
}

/// Fetches with `fetch` every 100 ms until `done` holds or `secs` seconds have passed, and
/// returns the last value (for state that background jobs change).
pub async fn eventually<T, F, Fut>(secs: u64, mut fetch: F, done: impl Fn(&T) -> bool) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut value = fetch().await;
    for _ in 0..secs * 10 {
        if done(&value) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        value = fetch().await;
    }
    value
}

/// `(token, org)` from a registration link inside `text`.
pub fn link_parts(text: &str) -> Option<(String, String)> {
    let start = text.find("/register?token=")?;
    let rest = &text[start + "/register?token=".len()..];
    let token = rest.get(..64)?.to_owned();
    let org_start = rest.find("&org=")? + "&org=".len();
    let org: String = rest[org_start..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit() || *c == '-')
        .collect();
    Some((token, org))
}
