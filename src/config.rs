//! Settings from environment variables, with defaults that run a local Gatehouse.
//!
//! | variable | default | meaning |
//! | --- | --- | --- |
//! | `DATABASE_URL` | *(required)* | PostgreSQL connection URL |
//! | `PUBLIC_URL` | `http://127.0.0.1:3000` | base of every emailed link; never taken from `Host` |
//! | `LEPTOS_SITE_ADDR` | `127.0.0.1:3000` | listen address |
//! | `SMTP_URL` | *(unset: dev mailbox)* | `smtp://user:pass@host:587?tls=required`, `smtps://…` |
//! | `MAIL_FROM` | `Gatehouse <noreply@localhost>` | sender of every email |
//! | `GATEHOUSE_ENV` | `development` | `production` requires `SMTP_URL`, removes `/dev/mailbox` |
//! | `GATEHOUSE_BOOTSTRAP_ADMIN_EMAIL` | `admin@localhost` | first admin, invited on first start |
//! | `GATEHOUSE_INVITATION_TTL_HOURS` | `168` (7 days) | invitation lifetime, 1 to 720 hours |
//! | `GATEHOUSE_PASSWORD_MIN_LENGTH` | `15` | minimum password length, at least 8 |
//! | `GATEHOUSE_SESSION_IDLE_MINUTES` | `30` | session ends after this much inactivity |
//! | `GATEHOUSE_SESSION_ABSOLUTE_HOURS` | `12` | session ends this long after sign-in regardless |
//! | `GATEHOUSE_OUTBOX_RETRY_BASE_SECONDS` | `30` | first retry delay; doubles per attempt |
//! | `GATEHOUSE_OUTBOX_MAX_ATTEMPTS` | `8` | a message is marked failed after this many |
//! | `GATEHOUSE_BULK_DAILY_QUOTA` | `10000` | bulk-imported invitations per organisation per 24 h |
//! | `GATEHOUSE_OUTBOX_RATE_PER_SECOND` | `10` | emails sent per second, all instances together |
//! | `GATEHOUSE_PENDING_INVITATION_QUOTA` | `10000` | live pending invitations per organisation |
//! | `GATEHOUSE_PASSWORD_HASH_PERMITS` | cores | concurrent Argon2id hashes; past them, 503 within 1 s |
//! | `GATEHOUSE_CODE_LOOKUP_KEY` | *(dev: random per start)* | base64 of 32 random bytes: HMAC key for invite-code lookup |
//! | `GATEHOUSE_ENCRYPTION_KEYS` | *(dev: random per start)* | `id:base64[,id:base64…]` AES-256-GCM keys, current first |
//! | `GATEHOUSE_METRICS_TOKEN` | *(unset: `/metrics` off)* | bearer token a Prometheus scrape must send |
//! | `GATEHOUSE_CODE_FAILURES_PER_IP` | `10` | failed invite-code redemptions per client IP per 15 minutes |
//! | `GATEHOUSE_CODE_FAILING_CLIENTS` | `100` | distinct failing clients per 15 minutes that pause joining for everyone |
//!
//! In production the two keys are required; in development a missing key is generated at
//! start (codes made before a restart then stop working), and `scripts/run.sh` keeps a
//! generated pair in `target/dev-secrets.env` so they survive restarts.

use crate::{
    crypto::{EncryptionKeys, LookupKey},
    domain::{EmailAddress, PasswordPolicy},
};
use leptos::config::LeptosOptions;
use secrecy::SecretString;
use std::{net::SocketAddr, time::Duration};
use url::Url;

/// Whether Gatehouse runs for real or on a developer's machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Environment {
    /// Dev mailbox available when no SMTP server is configured.
    Development,
    /// SMTP required; no dev mailbox.
    Production,
}

/// Everything Gatehouse reads from its environment. Secrets are [`SecretString`]s, so the
/// `Debug` output of this struct never shows them.
#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: SecretString,
    /// Origin and base path of emailed links, without a trailing slash.
    pub public_url: Url,
    pub listen_addr: SocketAddr,
    pub smtp_url: Option<SecretString>,
    pub mail_from: String,
    pub environment: Environment,
    pub bootstrap_admin_email: EmailAddress,
    /// Invitation lifetime, between 1 hour and 30 days.
    pub invitation_ttl: Duration,
    /// Live pending invitations one organisation may have at once
    /// (`GATEHOUSE_PENDING_INVITATION_QUOTA`).
    pub pending_invitation_quota: i64,
    /// Invitations one organisation may create by bulk import in 24 hours
    /// (`GATEHOUSE_BULK_DAILY_QUOTA`).
    pub bulk_daily_quota: i64,
    /// Emails sent per second at most, across every instance
    /// (`GATEHOUSE_OUTBOX_RATE_PER_SECOND`), so an import never trips a provider's limits.
    pub outbox_rate_per_second: i64,
    /// How often an idle bulk-import worker looks for a job whose lease lapsed (2 s). A new
    /// job wakes the workers at once through `LISTEN`/`NOTIFY`; the poll is the fallback.
    pub bulk_poll_interval: Duration,
    /// Bulk-import jobs this instance writes at once (`GATEHOUSE_BULK_WORKERS`, 0 to 8,
    /// default 1; 0 leaves the jobs to other instances).
    pub bulk_workers: usize,
    /// How long before expiry a pending invitation's reminder goes out
    /// (`GATEHOUSE_REMINDER_HOURS`, 1 to 168, default 24; 0 sends none).
    pub reminder_lead: Option<Duration>,
    /// How long a partner's previous client secret keeps working after a rotation
    /// (`GATEHOUSE_CLIENT_SECRET_OVERLAP_HOURS`, 1 hour to 90 days, default 7 days), so the
    /// partner can deploy the new one without downtime.
    pub client_secret_overlap: Duration,
    /// Hosts (names or IP addresses) webhook endpoints may use although they resolve to a
    /// loopback or private address, over plain http too (`GATEHOUSE_WEBHOOK_ALLOW_HOSTS`,
    /// comma-separated; empty by default). For tests and for a receiver on a private network
    /// that an operator vouches for; never set by default (OWASP SSRF cheat sheet).
    pub webhook_allow_hosts: Vec<String>,
    /// How long one webhook delivery may take, connecting included
    /// (`GATEHOUSE_WEBHOOK_TIMEOUT_SECONDS`, 1 to 60, default 10).
    pub webhook_timeout: Duration,
    /// Consecutive failed deliveries after which an endpoint is disabled
    /// (`GATEHOUSE_WEBHOOK_FAILURE_LIMIT`, 1 to 100, default 5; spec 001 LOG-01).
    pub webhook_failure_limit: i32,
    /// The waits before each retry of a webhook message (about 5 s, 5 min, 30 min, 2 h, 5 h,
    /// 10 h; each with up to 20 % jitter); after the last the message has failed.
    pub webhook_retry_schedule: Vec<Duration>,
    /// Webhook deliveries one instance sends at once (16), one per endpoint at a time, so a
    /// slow endpoint holds up no other.
    pub webhook_concurrency: usize,
    /// How often the webhook worker looks for due deliveries when nothing woke it (1 s).
    pub webhook_poll_interval: Duration,
    pub password_policy: PasswordPolicy,
    pub session_idle_timeout: Duration,
    pub session_absolute_timeout: Duration,
    /// Delay before the first retry of a failed email; doubles each attempt.
    pub outbox_retry_base: Duration,
    pub outbox_max_attempts: i32,
    /// Password hashes computed at once (`GATEHOUSE_PASSWORD_HASH_PERMITS`; default: the
    /// number of cores). Each Argon2id hash holds about 19 MiB and a core.
    pub password_hash_permits: usize,
    /// How long a request waits for a hashing permit before it is answered 503 with
    /// `Retry-After` (1 second): past capacity the excess is refused at once, never queued
    /// without bound.
    pub password_hash_wait: Duration,
    /// How long a worker's claim on an outbox message holds before another worker may take
    /// it over (a worker that died mid-send): 2 minutes, longer than the SMTP timeout.
    pub outbox_lease: Duration,
    /// How often the outbox worker looks for due messages.
    pub outbox_poll_interval: Duration,
    /// How often overdue invitations are marked expired.
    pub expiry_sweep_interval: Duration,
    /// HMAC-SHA256 key under which invite codes are looked up.
    pub code_lookup_key: LookupKey,
    /// AES-256-GCM keys for secrets kept at rest (revealable invite codes).
    pub encryption_keys: EncryptionKeys,
    /// Bearer token for `/metrics`; `None` turns the endpoint off.
    pub metrics_token: Option<SecretString>,
    /// Failed invite-code redemptions allowed per client IP per [`CODE_FAILURE_WINDOW`].
    pub code_failures_per_ip: i64,
    /// Distinct clients (IPv4 address or IPv6 /64) with a failed invite-code redemption
    /// within [`CODE_FAILURE_WINDOW`] at which joining pauses for everyone: a circuit no
    /// single source can open.
    pub code_failing_clients_global: i64,
    /// Key challenges one client IP may ask for per minute.
    pub key_challenges_per_ip_per_minute: i64,
    /// Longest a request may take before it is answered 503 (`GATEHOUSE_REQUEST_TIMEOUT_SECONDS`).
    pub request_timeout: Duration,
    /// Longest a request waits for a pooled database connection (connecting included) before
    /// it is answered 503 with `Retry-After` (`GATEHOUSE_DATABASE_ACQUIRE_TIMEOUT_SECONDS`,
    /// 1 to 60; default [`DATABASE_ACQUIRE_TIMEOUT`]): a database that is away or
    /// saturated fails requests quickly instead of hanging them.
    pub database_acquire_timeout: Duration,
    /// Proxies whose `X-Forwarded-For` / `Forwarded` headers are believed
    /// (`GATEHOUSE_TRUSTED_PROXIES`, comma-separated CIDRs; empty: none).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub leptos_options: LeptosOptions,
}

/// A setting that could not be used; the message names the variable.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(String);

const HOUR: u64 = 3600;

/// How long a request waits for a pooled database connection by default before it fails
/// (503 territory, never a hang): [`Config::database_acquire_timeout`].
pub const DATABASE_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);

/// The window of the invite-code failure throttles (15 minutes).
pub const CODE_FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);

impl Config {
    /// Reads the environment.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the variable that is missing or out of range.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(|k| std::env::var(k).ok())
    }

    /// [`Config::from_env`] over any source of variables (`var(name)`); blank values count as
    /// unset. Without `GATEHOUSE_ENV` the configuration is production's: secure by default.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the variable that is missing or out of range; in production,
    /// one error naming every missing setting.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |k: &str| var(k).filter(|v| !v.trim().is_empty());
        let database_url =
            var("DATABASE_URL").ok_or_else(|| ConfigError("DATABASE_URL is required".into()))?;
        let mut config = Self::local(&database_url);
        if let Some(v) = var("PUBLIC_URL") {
            config.public_url = parse_public_url(&v)?;
        }
        if let Some(v) = var("LEPTOS_SITE_ADDR") {
            config.listen_addr = v
                .parse()
                .map_err(|_| ConfigError(format!("LEPTOS_SITE_ADDR {v:?} is not host:port")))?;
        }
        config.smtp_url = var("SMTP_URL").map(SecretString::from);
        if let Some(v) = var("MAIL_FROM") {
            v.parse::<lettre::message::Mailbox>()
                .map_err(|_| ConfigError(format!("MAIL_FROM {v:?} is not a mailbox")))?;
            config.mail_from = v;
        }
        config.environment = match var("GATEHOUSE_ENV").as_deref() {
            None | Some("production") => Environment::Production,
            Some("development") => Environment::Development,
            Some(other) => {
                return Err(ConfigError(format!(
                    "GATEHOUSE_ENV must be development or production, not {other:?}"
                )))
            }
        };
        if let Some(v) = var("GATEHOUSE_BOOTSTRAP_ADMIN_EMAIL") {
            config.bootstrap_admin_email = EmailAddress::parse(&v)
                .map_err(|e| ConfigError(format!("GATEHOUSE_BOOTSTRAP_ADMIN_EMAIL: {e}")))?;
        }
        if let Some(h) = number(&var, "GATEHOUSE_INVITATION_TTL_HOURS", 1, 720)? {
            config.invitation_ttl = Duration::from_secs(h * HOUR);
        }
        if let Some(n) = number(&var, "GATEHOUSE_PASSWORD_MIN_LENGTH", 8, 64)? {
            config.password_policy = PasswordPolicy::new(n as usize);
        }
        if let Some(m) = number(&var, "GATEHOUSE_SESSION_IDLE_MINUTES", 1, 24 * 60)? {
            config.session_idle_timeout = Duration::from_secs(m * 60);
        }
        if let Some(h) = number(&var, "GATEHOUSE_SESSION_ABSOLUTE_HOURS", 1, 24 * 30)? {
            config.session_absolute_timeout = Duration::from_secs(h * HOUR);
        }
        if let Some(s) = number(&var, "GATEHOUSE_OUTBOX_RETRY_BASE_SECONDS", 1, HOUR)? {
            config.outbox_retry_base = Duration::from_secs(s);
        }
        if let Some(n) = number(&var, "GATEHOUSE_BULK_DAILY_QUOTA", 1, 10_000_000)? {
            config.bulk_daily_quota = n as i64;
        }
        if let Some(n) = number(&var, "GATEHOUSE_BULK_WORKERS", 0, 8)? {
            config.bulk_workers = n as usize;
        }
        if let Some(h) = number(&var, "GATEHOUSE_REMINDER_HOURS", 0, 168)? {
            config.reminder_lead = (h > 0).then(|| Duration::from_secs(h * HOUR));
        }
        if let Some(h) = number(&var, "GATEHOUSE_CLIENT_SECRET_OVERLAP_HOURS", 1, 90 * 24)? {
            config.client_secret_overlap = Duration::from_secs(h * HOUR);
        }
        if let Some(hosts) = var("GATEHOUSE_WEBHOOK_ALLOW_HOSTS") {
            config.webhook_allow_hosts = hosts
                .split(',')
                .map(|h| {
                    h.trim()
                        .trim_start_matches('[')
                        .trim_end_matches(']')
                        .to_ascii_lowercase()
                })
                .filter(|h| !h.is_empty())
                .collect();
        }
        if let Some(s) = number(&var, "GATEHOUSE_WEBHOOK_TIMEOUT_SECONDS", 1, 60)? {
            config.webhook_timeout = Duration::from_secs(s);
        }
        if let Some(n) = number(&var, "GATEHOUSE_WEBHOOK_FAILURE_LIMIT", 1, 100)? {
            config.webhook_failure_limit = n as i32;
        }
        if let Some(n) = number(&var, "GATEHOUSE_OUTBOX_RATE_PER_SECOND", 1, 10_000)? {
            config.outbox_rate_per_second = n as i64;
        }
        if let Some(n) = number(&var, "GATEHOUSE_PENDING_INVITATION_QUOTA", 1, 10_000_000)? {
            config.pending_invitation_quota = n as i64;
        }
        if let Some(n) = number(&var, "GATEHOUSE_PASSWORD_HASH_PERMITS", 1, 256)? {
            config.password_hash_permits = n as usize;
        }
        if let Some(n) = number(&var, "GATEHOUSE_OUTBOX_MAX_ATTEMPTS", 1, 20)? {
            config.outbox_max_attempts = n as i32;
        }
        let production = config.environment == Environment::Production;
        // Every setting production lacks, named at once.
        let mut missing: Vec<&str> = Vec::new();
        match var("GATEHOUSE_CODE_LOOKUP_KEY") {
            Some(v) => {
                config.code_lookup_key = LookupKey::from_base64(&v)
                    .map_err(|e| ConfigError(format!("GATEHOUSE_CODE_LOOKUP_KEY {e}")))?;
            }
            None if production => missing.push(
                "GATEHOUSE_CODE_LOOKUP_KEY (base64 of 32 random bytes: head -c 32 /dev/urandom | base64)",
            ),
            None => tracing::warn!(
                "GATEHOUSE_CODE_LOOKUP_KEY is unset: using a random key; invite codes stop working on restart"
            ),
        }
        match var("GATEHOUSE_ENCRYPTION_KEYS") {
            Some(v) => {
                config.encryption_keys = EncryptionKeys::parse(&v)
                    .map_err(|e| ConfigError(format!("GATEHOUSE_ENCRYPTION_KEYS: {e}")))?;
            }
            None if production => missing.push(
                "GATEHOUSE_ENCRYPTION_KEYS (id:base64 of 32 random bytes, e.g. k1:$(head -c 32 /dev/urandom | base64))",
            ),
            None => tracing::warn!(
                "GATEHOUSE_ENCRYPTION_KEYS is unset: using a random key; stored codes cannot be revealed after restart"
            ),
        }
        config.metrics_token = var("GATEHOUSE_METRICS_TOKEN").map(SecretString::from);
        if let Some(n) = number(&var, "GATEHOUSE_CODE_FAILURES_PER_IP", 1, 10_000)? {
            config.code_failures_per_ip = n as i64;
        }
        if let Some(n) = number(&var, "GATEHOUSE_CODE_FAILING_CLIENTS", 2, 1_000_000)? {
            config.code_failing_clients_global = n as i64;
        }
        if let Some(s) = number(&var, "GATEHOUSE_REQUEST_TIMEOUT_SECONDS", 1, 300)? {
            config.request_timeout = Duration::from_secs(s);
        }
        if let Some(s) = number(&var, "GATEHOUSE_DATABASE_ACQUIRE_TIMEOUT_SECONDS", 1, 60)? {
            config.database_acquire_timeout = Duration::from_secs(s);
        }
        if let Some(v) = var("GATEHOUSE_TRUSTED_PROXIES") {
            config.trusted_proxies = parse_cidrs(&v)?;
        }
        if let Some(root) = var("LEPTOS_SITE_ROOT") {
            config.leptos_options.site_root = root.into();
        }
        config.leptos_options.site_addr = config.listen_addr;
        if production {
            if config.smtp_url.is_none() {
                missing.push("SMTP_URL (smtp://… or smtps://…)");
            }
            if config.public_url.scheme() != "https" {
                missing.push("PUBLIC_URL as an https URL");
            }
        }
        if !missing.is_empty() {
            return Err(ConfigError(format!(
                "production (the default without GATEHOUSE_ENV=development) needs: {}",
                missing.join("; ")
            )));
        }
        Ok(config)
    }

    /// The defaults for a local Gatehouse on `database_url` (what `from_env` starts from, and
    /// what tests adjust).
    pub fn local(database_url: &str) -> Self {
        let listen_addr: SocketAddr = ([127, 0, 0, 1], 3000).into();
        Self {
            database_url: SecretString::from(database_url.to_owned()),
            public_url: Url::parse("http://127.0.0.1:3000").expect("static URL"),
            listen_addr,
            smtp_url: None,
            mail_from: "Gatehouse <noreply@localhost>".into(),
            environment: Environment::Development,
            bootstrap_admin_email: EmailAddress::parse("admin@localhost").expect("static"),
            invitation_ttl: Duration::from_secs(7 * 24 * HOUR),
            pending_invitation_quota: 10_000,
            bulk_daily_quota: 10_000,
            outbox_rate_per_second: 10,
            bulk_poll_interval: Duration::from_secs(2),
            bulk_workers: 1,
            client_secret_overlap: Duration::from_secs(7 * 24 * HOUR),
            webhook_allow_hosts: Vec::new(),
            webhook_timeout: Duration::from_secs(10),
            webhook_failure_limit: 5,
            webhook_retry_schedule: [5, 300, 1800, 2 * HOUR, 5 * HOUR, 10 * HOUR]
                .into_iter()
                .map(Duration::from_secs)
                .collect(),
            webhook_concurrency: 16,
            webhook_poll_interval: Duration::from_secs(1),
            reminder_lead: Some(Duration::from_secs(24 * HOUR)),
            password_policy: PasswordPolicy::new(15),
            session_idle_timeout: Duration::from_secs(30 * 60),
            session_absolute_timeout: Duration::from_secs(12 * HOUR),
            outbox_retry_base: Duration::from_secs(30),
            outbox_max_attempts: 8,
            password_hash_permits: std::thread::available_parallelism().map_or(2, |n| n.get()),
            password_hash_wait: Duration::from_secs(1),
            outbox_lease: Duration::from_secs(120),
            outbox_poll_interval: Duration::from_millis(1000),
            expiry_sweep_interval: Duration::from_secs(60),
            code_lookup_key: LookupKey::random(),
            encryption_keys: EncryptionKeys::random(),
            metrics_token: None,
            code_failures_per_ip: 10,
            code_failing_clients_global: 100,
            key_challenges_per_ip_per_minute: 30,
            request_timeout: Duration::from_secs(30),
            database_acquire_timeout: DATABASE_ACQUIRE_TIMEOUT,
            trusted_proxies: Vec::new(),
            leptos_options: LeptosOptions::builder()
                .output_name("gatehouse")
                .site_root("target/site")
                .site_pkg_dir("pkg")
                .site_addr(listen_addr)
                .build(),
        }
    }

    /// Whether `/dev/mailbox` exists: development mode with no SMTP server configured.
    pub fn dev_mailbox_enabled(&self) -> bool {
        self.environment == Environment::Development && self.smtp_url.is_none()
    }

    /// `PUBLIC_URL` joined with `path_and_query` (which starts with `/`).
    pub fn link(&self, path_and_query: &str) -> String {
        format!(
            "{}{}",
            self.public_url.as_str().trim_end_matches('/'),
            path_and_query
        )
    }

    /// The origin of `PUBLIC_URL` (`scheme://host[:port]`), for Origin checks.
    pub fn public_origin(&self) -> String {
        self.public_url.origin().ascii_serialization()
    }
}

/// `10.0.0.0/8, 192.168.1.7, fd00::/8`: CIDRs or single addresses (a /32 or /128).
fn parse_cidrs(v: &str) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<ipnet::IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    ConfigError(format!(
                        "GATEHOUSE_TRUSTED_PROXIES: {s:?} is not an address or CIDR"
                    ))
                })
        })
        .collect()
}

fn parse_public_url(v: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(v).map_err(|_| ConfigError(format!("PUBLIC_URL {v:?} is not a URL")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(ConfigError(format!(
            "PUBLIC_URL {v:?} must be an http(s) URL"
        )));
    }
    Ok(url)
}

fn number(
    var: &impl Fn(&str) -> Option<String>,
    key: &str,
    min: u64,
    max: u64,
) -> Result<Option<u64>, ConfigError> {
    let Some(v) = var(key) else { return Ok(None) };
    match v.trim().parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
        _ => Err(ConfigError(format!(
            "{key} must be a whole number from {min} to {max}, not {v:?}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_use_public_url_not_request_host() {
        let mut c = Config::local("postgres://x");
        c.public_url = Url::parse("https://gate.example.org/").unwrap();
        assert_eq!(
            c.link("/register?x=1"),
            "https://gate.example.org/register?x=1"
        );
        assert_eq!(c.public_origin(), "https://gate.example.org");
    }

    #[test]
    fn debug_hides_secrets() {
        let mut c = Config::local("postgres://user:hunter2@db/x");
        c.smtp_url = Some(SecretString::from("smtp://u:pw123@mail".to_owned()));
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("hunter2") && !dbg.contains("pw123"));
    }

    fn vars<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn production_is_the_default_and_names_every_missing_setting() {
        let err = Config::from_vars(vars(&[("DATABASE_URL", "postgres://x")])).unwrap_err();
        let msg = err.to_string();
        for name in [
            "GATEHOUSE_CODE_LOOKUP_KEY",
            "GATEHOUSE_ENCRYPTION_KEYS",
            "SMTP_URL",
            "PUBLIC_URL",
        ] {
            assert!(msg.contains(name), "{name} missing from: {msg}");
        }
        let key = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
        let keys = format!("k1:{key}");
        let ok = Config::from_vars(vars(&[
            ("DATABASE_URL", "postgres://x"),
            ("GATEHOUSE_CODE_LOOKUP_KEY", key),
            ("GATEHOUSE_ENCRYPTION_KEYS", &keys),
            ("SMTP_URL", "smtp://mail.example.org:587"),
            ("PUBLIC_URL", "https://gate.example.org"),
        ]))
        .unwrap();
        assert_eq!(ok.environment, Environment::Production);
        assert!(!ok.dev_mailbox_enabled());
    }

    #[test]
    fn development_is_asked_for_by_name() {
        let c = Config::from_vars(vars(&[
            ("DATABASE_URL", "postgres://x"),
            ("GATEHOUSE_ENV", "development"),
        ]))
        .unwrap();
        assert_eq!(c.environment, Environment::Development);
        assert!(c.dev_mailbox_enabled());
    }

    #[test]
    fn the_database_acquire_timeout_is_whole_seconds_within_bounds() {
        let dev = |v: &'static str| {
            Config::from_vars(vars(&[
                ("DATABASE_URL", "postgres://x"),
                ("GATEHOUSE_ENV", "development"),
                ("GATEHOUSE_DATABASE_ACQUIRE_TIMEOUT_SECONDS", v),
            ]))
        };
        assert_eq!(
            dev("5").unwrap().database_acquire_timeout,
            Duration::from_secs(5)
        );
        for bad in ["0", "61", "2.5", "soon"] {
            let err = dev(bad).unwrap_err().to_string();
            assert!(
                err.contains("GATEHOUSE_DATABASE_ACQUIRE_TIMEOUT_SECONDS"),
                "{bad}: {err}"
            );
        }
        assert_eq!(
            Config::local("postgres://x").database_acquire_timeout,
            DATABASE_ACQUIRE_TIMEOUT
        );
    }
}
