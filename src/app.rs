//! The HTML shell and the route table: the map from every URL to its page.

use crate::{
    analytics::pages::AnalyticsPage,
    api_tokens::pages::ApiTokensPage,
    audit_log::pages::AuditLogPage,
    auth::pages::LoginPage,
    components::{provide_toasts, NotFound, RequireSession, ToastRegion},
    credential_invitations::credential_page::CredentialInvitePage,
    dashboards::pages::{Dashboard, DashboardKind},
    dev_mailbox::pages::MailboxPage,
    email_templates::pages::EmailTemplatesPage,
    invitations::pages::{reference::ApiReferencePage, InvitationsPage},
    invite_codes::{
        join::{JoinPage, KeySignInPage},
        pages::InviteCodesPage,
    },
    organisations::pages::OrganisationsPage,
    partners::pages::{IntegrationsPage, PartnerPage},
    registration::pages::RegisterPage,
    webhooks::pages::WebhookEndpointPage,
};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::{
    components::{Redirect, Route, Router, Routes},
    path, SsrMode,
};

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
    let css = format!(
        "{base}/{}/{}.css",
        options.site_pkg_dir, options.output_name
    );
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
                // `defer`: the wasm loads at low priority and hydrates when the browser is
                // idle (within 2 s), so the stylesheet and the server-rendered page paint
                // first (Lighthouse LCP, issue 13 G8). Sign-in, registration and the
                // credential form post without scripts; the join page's key pair waits for
                // hydration, as it always did.
                <HydrationScripts options root=base defer=true />
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
    // Marks the page as interactive; end-to-end tests wait for it before clicking.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    let any_session = |_| true;
    view! {
        <Title formatter=|t: String| if t.is_empty() { "Gatehouse".to_owned() } else { format!("{t} · Gatehouse") } />
        <a href="#main" class="skip-link">"Skip to content"</a>
        <Router>
            <Routes fallback=NotFound>
                <Route
                    path=path!("/")
                    ssr=SsrMode::Async
                    view=move || {
                        view! {
                            <RequireSession
                                allow=any_session
                                render=|s: crate::auth::api::SignedInUser| view! { <Redirect path=s.dashboard_path /> }.into_any()
                            />
                        }
                    }
                />
                <Route path=path!("/login") ssr=SsrMode::Async view=LoginPage />
                <Route path=path!("/login/key") ssr=SsrMode::Async view=KeySignInPage />
                <Route path=path!("/join") ssr=SsrMode::Async view=JoinPage />
                <Route path=path!("/integrations") ssr=SsrMode::Async view=IntegrationsPage />
                <Route path=path!("/integrations/partners/:id") ssr=SsrMode::Async view=PartnerPage />
                <Route path=path!("/integrations/webhooks/:id") ssr=SsrMode::Async view=WebhookEndpointPage />
                <Route path=path!("/integrations/credential-invite/:token") ssr=SsrMode::Async view=CredentialInvitePage />
                <Route path=path!("/register") ssr=SsrMode::Async view=RegisterPage />
                <Route path=path!("/dev/mailbox") ssr=SsrMode::Async view=MailboxPage />
                <Route path=path!("/admin") ssr=SsrMode::Async view=|| view! { <Dashboard kind=DashboardKind::Platform /> } />
                <Route path=path!("/association") ssr=SsrMode::Async view=|| view! { <Dashboard kind=DashboardKind::Association /> } />
                <Route path=path!("/company") ssr=SsrMode::Async view=|| view! { <Dashboard kind=DashboardKind::Company /> } />
                <Route path=path!("/cooperative") ssr=SsrMode::Async view=|| view! { <Dashboard kind=DashboardKind::Cooperative /> } />
                <Route path=path!("/home") ssr=SsrMode::Async view=|| view! { <Dashboard kind=DashboardKind::Member /> } />
                <Route path=path!("/admin/organisations") ssr=SsrMode::Async view=OrganisationsPage />
                <Route path=path!("/admin/invitations") ssr=SsrMode::Async view=|| view! { <InvitationsPage kind=DashboardKind::Platform /> } />
                <Route path=path!("/association/manage-invitations") ssr=SsrMode::Async view=|| view! { <InvitationsPage kind=DashboardKind::Association /> } />
                <Route path=path!("/company/manage-invitations") ssr=SsrMode::Async view=|| view! { <InvitationsPage kind=DashboardKind::Company /> } />
                <Route path=path!("/cooperative/manage-invitations") ssr=SsrMode::Async view=|| view! { <InvitationsPage kind=DashboardKind::Cooperative /> } />
                <Route path=path!("/settings/api-tokens") ssr=SsrMode::Async view=ApiTokensPage />
                <Route path=path!("/audit-log") ssr=SsrMode::Async view=AuditLogPage />
                <Route path=path!("/email-templates") ssr=SsrMode::Async view=EmailTemplatesPage />
                <Route path=path!("/analytics") ssr=SsrMode::Async view=AnalyticsPage />
                <Route path=path!("/api/reference") ssr=SsrMode::Async view=ApiReferencePage />
                <Route path=path!("/admin/invite-codes") ssr=SsrMode::Async view=|| view! { <InviteCodesPage kind=DashboardKind::Platform /> } />
                <Route path=path!("/association/invite-codes") ssr=SsrMode::Async view=|| view! { <InviteCodesPage kind=DashboardKind::Association /> } />
                <Route path=path!("/company/invite-codes") ssr=SsrMode::Async view=|| view! { <InviteCodesPage kind=DashboardKind::Company /> } />
                <Route path=path!("/cooperative/invite-codes") ssr=SsrMode::Async view=|| view! { <InviteCodesPage kind=DashboardKind::Cooperative /> } />
            </Routes>
        </Router>
        <ToastRegion />
    }
}
