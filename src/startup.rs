//! The one startup path: [`Application::build`] connects, migrates, bootstraps and binds;
//! [`Application::run_until_stopped`] serves and runs the background jobs. Tests use the same
//! path on port 0 against a database of their own.

use crate::{
    app::{shell, App},
    auth::passwords::PasswordService,
    config::Config,
    email::{mailer::Mailer, outbox},
    security::{self, CspNonce},
    state::AppState,
    telemetry::{self, MakeRequestHexId},
};
use axum::{http::StatusCode, routing::get, Router};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use secrecy::ExposeSecret;
use sqlx::{postgres::PgPoolOptions, PgPool};
use std::{net::SocketAddr, sync::Arc, time::Duration};
use tokio::net::TcpListener;
use tower_http::{
    request_id::{PropagateRequestIdLayer, SetRequestIdLayer},
    services::ServeFile,
    timeout::TimeoutLayer,
    trace::TraceLayer,
};

use tower_sessions::{cookie::SameSite, Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;

/// A built, bound, not yet serving Gatehouse.
pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
    mailer: Option<Mailer>,
}

/// How long start-up waits for the database to answer.
pub const STARTUP_WAIT: Duration = Duration::from_secs(10);

/// Connects to `DATABASE_URL` with a pool sized for two cores whose acquire timeout is
/// [`Config::database_acquire_timeout`]; at start-up, waits up to [`STARTUP_WAIT`] for the
/// first connection.
///
/// # Errors
/// If the database cannot be reached within [`STARTUP_WAIT`].
pub async fn connect(config: &Config) -> anyhow::Result<PgPool> {
    let pool = PgPoolOptions::new()
        .max_connections(20)
        .acquire_timeout(config.database_acquire_timeout)
        .connect_lazy(config.database_url.expose_secret())?;
    let deadline = tokio::time::Instant::now() + STARTUP_WAIT;
    loop {
        match pool.acquire().await {
            Ok(_) => return Ok(pool),
            Err(e) if tokio::time::Instant::now() >= deadline => {
                return Err(anyhow::anyhow!(
                    "the database did not answer within {STARTUP_WAIT:?}: {e}"
                ))
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(250)).await,
        }
    }
}

/// Connects, applies migrations and builds the shared state (no listener, no jobs): what the
/// CLI subcommands need.
///
/// # Errors
/// Connection or migration failures.
pub async fn prepare(config: Config) -> anyhow::Result<AppState> {
    let pool = connect(&config).await?;
    sqlx::migrate!("./migrations").run(&pool).await?;
    let passwords = PasswordService::new(config.password_hash_permits, config.password_hash_wait);
    Ok(AppState::new(crate::state::Shared {
        pool,
        bundle: Arc::new(crate::assets::Bundle::load(&config.leptos_options)),
        leptos_options: config.leptos_options.clone(),
        config: Arc::new(config),
        passwords: Arc::new(passwords),
    }))
}

impl Application {
    /// Connects to the database, runs migrations, bootstraps the first admin's invitation if
    /// there are no users, and binds `config.listen_addr` (port 0 picks a free port).
    ///
    /// # Errors
    /// Database, migration, SMTP configuration or bind failures.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let mailer = config
            .smtp_url
            .as_ref()
            .map(|url| Mailer::new(url, &config.mail_from))
            .transpose()?;
        let state = prepare(config).await?;
        crate::bootstrap::run(&state).await?;
        let listener = TcpListener::bind(state.config.listen_addr).await?;
        let router = router(state.clone());
        Ok(Self {
            listener,
            router,
            state,
            mailer,
        })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// Serves until Ctrl-C or SIGTERM, with the outbox worker, the expiry job and session
    /// cleanup running alongside. On the signal it stops accepting connections, finishes the
    /// requests in flight, then lets the outbox worker finish its current message and release
    /// its other claims (at most [`WORKER_GRACE`]) before returning.
    ///
    /// # Errors
    /// I/O errors from the server.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Self {
            listener,
            router,
            state,
            mailer,
        } = self;
        let (stop, stopping) = tokio::sync::watch::channel(false);
        // Bulk invitation emails are queued without a body and rendered as they leave.
        let renderer: outbox::SendTimeRenderer = std::sync::Arc::new(|state, ids| {
            Box::pin(async move {
                crate::invitations::service::sealed_emails::render_queued(&state, &ids).await
            })
        });
        let outbox_worker = tokio::spawn(outbox::run_worker(
            state.clone(),
            mailer,
            renderer,
            stopping.clone(),
        ));
        let bulk_workers = crate::invitations::service::bulk::spawn_workers(&state, &stopping);
        let webhook_workers = crate::webhooks::service::delivery::spawn(&state, &stopping);
        tokio::spawn(crate::invitations::service::run_expiry_job(state.clone()));
        tokio::spawn(crate::invitations::service::reminders::run_reminder_job(
            state.clone(),
        ));
        tokio::spawn(crate::partners::service::run_rotation_reminders(
            state.clone(),
        ));
        tokio::spawn(delete_expired_sessions(PostgresStore::new(
            state.pool.clone(),
        )));
        tracing::info!(addr = %listener.local_addr()?, public_url = %state.config.public_url, "Gatehouse is listening");
        let service = layers(router, &state.config);
        axum::serve(
            listener,
            axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<
                SocketAddr,
            >(service),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await?;
        // New connections stopped and in-flight requests finished; now the workers finish
        // what they are sending or give their claims back, within a bound.
        tracing::info!("stopping background workers");
        let _ = stop.send(true);
        let workers = async {
            let _ = outbox_worker.await;
            for worker in bulk_workers.into_iter().chain(webhook_workers) {
                let _ = worker.await;
            }
        };
        if tokio::time::timeout(WORKER_GRACE, workers).await.is_err() {
            tracing::warn!("a worker did not stop in time; its claims lapse after their lease");
        }
        Ok(())
    }
}

/// How long shutdown waits for the outbox worker after the last request finished.
pub const WORKER_GRACE: Duration = Duration::from_secs(30);

/// Deletes expired sessions every 10 minutes, for as long as the server runs: a failure is
/// logged and retried after a back-off (1 s doubling to 5 minutes), never the end of the job.
async fn delete_expired_sessions(store: PostgresStore) {
    use tower_sessions::ExpiredDeletion;
    let mut backoff = Duration::from_secs(1);
    loop {
        match store
            .clone()
            .continuously_delete_expired(Duration::from_secs(600))
            .await
        {
            Ok(()) => return,
            Err(e) => {
                tracing::error!(error = %e, retry_in_s = backoff.as_secs(), "session cleanup failed");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(300));
            }
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}

/// Hands the response's CSP nonce (made by [`security::EdgeLayer`]) to Leptos, so its
/// inline scripts carry the same nonce as the header, and gives the request its
/// [`RequestUser`](crate::auth::session::RequestUser) memo.
fn provide_request_context() {
    provide_context(crate::auth::session::RequestUser::default());
    if let Some(parts) = use_context::<axum::http::request::Parts>() {
        if let Some(n) = parts.extensions.get::<CspNonce>() {
            provide_context(leptos::nonce::Nonce::from_value(n.value()));
        }
    }
}

/// The router: pages, server functions, static files and the session layer, without the
/// layers every request passes (those are [`layers`]).
pub fn router(state: AppState) -> Router {
    let config = state.config.clone();
    let routes = generate_route_list(App);
    let session_layer = SessionManagerLayer::new(PostgresStore::new(state.pool.clone()))
        .with_name(if config.public_url.scheme() == "https" {
            "__Host-gatehouse"
        } else {
            "gatehouse"
        })
        .with_secure(true)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        // Without this, an inactivity expiry is only pushed back when the session changes,
        // which would turn the idle timeout into "time since sign-in".
        .with_always_save(true)
        .with_expiry(Expiry::OnInactivity(
            tower_sessions::cookie::time::Duration::seconds(
                config.session_idle_timeout.as_secs() as i64
            ),
        ));
    let public_origin: Arc<str> = config.public_origin().into();
    let leptos_options = state.leptos_options.clone();
    let mut app = Router::new()
        .route(
            "/integrations/partners/{id}/invite-events.jsonl",
            get(crate::credential_invitations::export::invite_events_jsonl),
        )
        .route("/audit-log/export.csv", get(crate::audit_log::export::csv))
        .route("/analytics/export.csv", get(crate::analytics::export::csv))
        .route(
            "/email-templates/preview-frame",
            get(crate::email_templates::api::frame::current)
                .post(crate::email_templates::api::frame::draft),
        )
        .route(
            "/audit-log/export.jsonl",
            get(crate::audit_log::export::jsonl),
        )
        // Inside the session layer: a browser session is one of the two ways in.
        .merge(crate::invitations::rest::routes());
    if config.dev_mailbox_enabled() {
        app = app.route(
            "/dev/mailbox/{id}/html",
            get(crate::dev_mailbox::api::html_handler),
        );
    }
    app.leptos_routes_with_context(&state, routes, provide_request_context, {
        let opts = leptos_options.clone();
        move || shell(opts.clone())
    })
    .fallback(leptos_axum::file_and_error_handler_with_context::<
        AppState,
        _,
    >(provide_request_context, shell))
    .layer(session_layer)
    // After the session layer: probes, scrapes and static files never touch the session store.
    .route("/healthz", get(crate::health::healthz))
    .route("/readyz", get(crate::health::readyz))
    .route("/metrics", get(crate::metrics::handler))
    .merge(state.bundle.routes())
    .route_service(
        "/favicon.svg",
        ServeFile::new(format!("{}/favicon.svg", leptos_options.site_root)),
    )
    .merge(crate::partner_api::routes())
    // The one route middleware: records the matched route on the request span (made outside
    // the router, see `layers`) and refuses cross-site state changes.
    .route_layer(security::CrossSiteLayer::new(public_origin))
    .with_state(state)
}

/// The layers every request passes, outermost first: the request id, the trace span, the
/// timeout, and [`security::EdgeLayer`] (the body limit, the client address and the security
/// headers with the CSP nonce), around `router` (whose routes check cross-site requests
/// themselves, where the route is known for the log line). Composed once around the whole
/// router rather than with `Router::layer`, which wraps every route and clones a boxed service
/// per layer on each request (measured in docs/PERFORMANCE.md, G1b).
pub fn layers(
    router: Router,
    config: &Config,
) -> impl tower::Service<
    axum::extract::Request,
    Response = axum::response::Response,
    Error = std::convert::Infallible,
    Future = impl Send + 'static,
> + Clone
       + Send
       + Sync
       + 'static {
    use axum::response::IntoResponse;
    tower::ServiceBuilder::new()
        // The limit of `security::EdgeLayer` bounds every body; extractors need none of their own.
        .layer(axum::extract::DefaultBodyLimit::disable())
        // One span per request (request id, method, route template, status); the request id
        // is made first and echoed as X-Request-Id.
        .layer(SetRequestIdLayer::x_request_id(MakeRequestHexId))
        .layer(PropagateRequestIdLayer::x_request_id())
        .map_response(IntoResponse::into_response)
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(telemetry::request_span)
                .on_response(telemetry::on_response),
        )
        // No request outlives the timeout: past it the client gets 503 and the work is dropped.
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            config.request_timeout,
        ))
        // The body limit, the client address and the security headers (with the CSP nonce),
        // in one middleware: bodies past the limit get 413 before any handler reads them
        // (server functions read their bodies themselves, so axum's DefaultBodyLimit alone
        // would not stop them), inside the request's span.
        .layer(security::EdgeLayer::new(security::EdgePolicy::for_config(
            config,
        )))
        .service(router)
}
