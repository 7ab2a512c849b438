//! The HTML shell and the route table: the map from every URL to its page.

mod lazy;

#[cfg(feature = "ssr")]
use crate::registration::pages::RegisterPage;
use crate::{
    auth::pages::LoginPage,
    components::{provide_toasts, NotFound, RequireSession, ToastRegion},
    credential_invitations::credential_page::CredentialInvitePage,
    invite_codes::join::{JoinPage, KeySignInPage},
};
use lazy::*;
use leptos::{nonce::use_nonce, prelude::*};
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, Lazy, SsrMode,
};

/// The inline module that loads the browser app (`js`, `wasm`: their URLs) and hydrates the
/// page once the browser has painted its first content (the `first-contentful-paint` entry of
/// the Paint Timing API; after 3 s at the latest, for a browser without it or a tab not
/// shown), then when it is idle (within 2 s). Until then the stylesheet and the
/// server-rendered page have the network and the CPU to themselves: the page's largest paint
/// does not wait for the 440 KiB of wasm (issue 13, G8). The page works before hydration as
/// it does without scripts.
fn hydration_start(js: &str, wasm: &str) -> String {
    format!(
        "const start = () => import({js:?}).then(async (app) => {{ \
           await app.default({{ module_or_path: {wasm:?} }}); app.hydrate(); }});\n\
         let asked = false;\n\
         const soon = () => {{ if (asked) return; asked = true; \
           if ('requestIdleCallback' in window) requestIdleCallback(start, {{ timeout: 2000 }}); \
           else setTimeout(start, 0); }};\n\
         try {{ new PerformanceObserver((list, seen) => {{ \
           if (list.getEntriesByName('first-contentful-paint').length) {{ seen.disconnect(); soon(); }} \
         }}).observe({{ type: 'paint', buffered: true }}); }} catch (_) {{ soon(); }}\n\
         setTimeout(soon, 3000);"
    )
}

#[cfg(feature = "ssr")]
mod page_script;
#[cfg(feature = "ssr")]
pub use page_script::page_script;

/// Whether the page at `path` is served without the browser app: it works without scripts,
/// and [`page_script`] is all it loads. The registration page, which every invitee opens once:
/// none of its 670 KiB (gzip) of wasm is downloaded for it (issue 13, G4).
pub fn served_without_app(path: &str) -> bool {
    path == "/register"
}

/// In the browser, the route of a page served without the app ([`served_without_app`]): a
/// client-side navigation that reaches it (a sign-in returning to an invitation, say) loads it
/// from the server instead, and the browser app carries none of the page's code.
#[cfg(not(feature = "ssr"))]
#[component]
fn RegisterPage() -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    let mut href = location.pathname.get_untracked();
    let (search, hash) = (
        location.search.get_untracked(),
        location.hash.get_untracked(),
    );
    if !search.is_empty() {
        href = format!("{href}?{search}");
    }
    if !hash.is_empty() {
        href = format!("{href}#{}", hash.trim_start_matches('#'));
    }
    #[cfg(feature = "hydrate")]
    let _ = window().location().replace(&href);
    #[cfg(not(feature = "hydrate"))]
    let _ = href;
    view! {
        <main id="main" class="auth-page">
            <p>"Loading…"</p>
        </main>
    }
}

/// The document around every page. Inline scripts carry the response's CSP nonce.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // The bundle's content-versioned base (`/assets/{version}`, see `crate::assets`): cached
    // for a year by browsers. Without the state (never in practice), the revalidated `/pkg`.
    #[cfg(feature = "ssr")]
    let base = use_context::<crate::state::AppState>()
        .map(|s| s.bundle.base.clone())
        .unwrap_or_default();
    #[cfg(not(feature = "ssr"))]
    let base = String::new();
    let pkg = format!("{base}/{}/{}", options.site_pkg_dir, options.output_name);
    let css = format!("{pkg}.css");
    // Leptos's `HydrationScripts` is made for what it sets up on the server (the wasm-split
    // manifest from which a lazy route's page preloads its chunks), not rendered: its module
    // and wasm preloads would start the 440 KiB download before the first paint, and with it
    // Lighthouse's LCP (issue 13, G8: 3.2 s against 1.2 s without scripts).
    let _ = view! { <HydrationScripts options=options.clone() root=base.clone() defer=true /> };
    // Borrowed when it is the page script, made once per process: no copy per page.
    #[cfg(feature = "ssr")]
    let start: std::borrow::Cow<'static, str> = if use_context::<axum::http::request::Parts>()
        .is_some_and(|parts| served_without_app(parts.uri.path()))
    {
        page_script().into()
    } else {
        hydration_start(&format!("{pkg}.js"), &format!("{pkg}.wasm")).into()
    };
    #[cfg(not(feature = "ssr"))]
    let start = hydration_start(&format!("{pkg}.js"), &format!("{pkg}.wasm"));
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                <link rel="stylesheet" id="gatehouse" href=css />
                // Sign-in, registration and the credential form post without scripts; the
                // join page's key pair waits for hydration, as it always did. The pages served
                // without the app get their page script here instead.
                <script type="module" nonce=use_nonce()>{start}</script>
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The application: styles, title, toasts and routes. Every route renders fully on the server
/// before the response starts (`SsrMode::Async`), so pages can set their HTTP status (404,
/// 410, ...) and work before hydration.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_toasts();
    view! {
        <Title formatter=|t: String| if t.is_empty() { "Gatehouse".to_owned() } else { format!("{t} · Gatehouse") } />
        <a href="#main" class="skip-link">"Skip to content"</a>
        <Router>
            <Routes fallback=NotFound>
                // Admits nobody: everyone goes to their dashboard, or to sign in.
                <Route path=path!("/") ssr=SsrMode::Async view=|| view! { <RequireSession allow=|_| false /> } />
                <Route path=path!("/login") ssr=SsrMode::Async view=LoginPage />
                <Route path=path!("/login/key") ssr=SsrMode::Async view=KeySignInPage />
                <Route path=path!("/join") ssr=SsrMode::Async view=JoinPage />
                <Route path=path!("/integrations") ssr=SsrMode::Async view={Lazy::<Integrations>::new()} />
                <Route path=path!("/integrations/partners/:id") ssr=SsrMode::Async view={Lazy::<Partner>::new()} />
                <Route path=path!("/integrations/webhooks/:id") ssr=SsrMode::Async view={Lazy::<WebhookEndpoint>::new()} />
                <Route path=path!("/integrations/credential-invite/:token") ssr=SsrMode::Async view=CredentialInvitePage />
                <Route path=path!("/register") ssr=SsrMode::Async view=RegisterPage />
                <Route path=path!("/dev/mailbox") ssr=SsrMode::Async view={Lazy::<Mailbox>::new()} />
                <Route path=path!("/admin") ssr=SsrMode::Async view={Lazy::<PlatformDashboard>::new()} />
                <Route path=path!("/association") ssr=SsrMode::Async view={Lazy::<AssociationDashboard>::new()} />
                <Route path=path!("/company") ssr=SsrMode::Async view={Lazy::<CompanyDashboard>::new()} />
                <Route path=path!("/cooperative") ssr=SsrMode::Async view={Lazy::<CooperativeDashboard>::new()} />
                <Route path=path!("/home") ssr=SsrMode::Async view={Lazy::<MemberHome>::new()} />
                <Route path=path!("/admin/organisations") ssr=SsrMode::Async view={Lazy::<Organisations>::new()} />
                <Route path=path!("/admin/invitations") ssr=SsrMode::Async view={Lazy::<PlatformInvitations>::new()} />
                <Route path=path!("/association/manage-invitations") ssr=SsrMode::Async view={Lazy::<AssociationInvitations>::new()} />
                <Route path=path!("/company/manage-invitations") ssr=SsrMode::Async view={Lazy::<CompanyInvitations>::new()} />
                <Route path=path!("/cooperative/manage-invitations") ssr=SsrMode::Async view={Lazy::<CooperativeInvitations>::new()} />
                <Route path=path!("/settings/api-tokens") ssr=SsrMode::Async view={Lazy::<ApiTokens>::new()} />
                <Route path=path!("/audit-log") ssr=SsrMode::Async view={Lazy::<AuditLog>::new()} />
                <Route path=path!("/email-templates") ssr=SsrMode::Async view={Lazy::<EmailTemplates>::new()} />
                <Route path=path!("/analytics") ssr=SsrMode::Async view={Lazy::<Analytics>::new()} />
                <Route path=path!("/api/reference") ssr=SsrMode::Async view={Lazy::<ApiReference>::new()} />
                <Route path=path!("/admin/invite-codes") ssr=SsrMode::Async view={Lazy::<PlatformInviteCodes>::new()} />
                <Route path=path!("/association/invite-codes") ssr=SsrMode::Async view={Lazy::<AssociationInviteCodes>::new()} />
                <Route path=path!("/company/invite-codes") ssr=SsrMode::Async view={Lazy::<CompanyInviteCodes>::new()} />
                <Route path=path!("/cooperative/invite-codes") ssr=SsrMode::Async view={Lazy::<CooperativeInviteCodes>::new()} />
            </Routes>
        </Router>
        <ToastRegion />
    }
}
