//! Every page as a lazy route: in a split build (`cargo leptos build --split`, what
//! `scripts/release.sh` and the test command run) each page's code is a wasm chunk of its own
//! that the browser loads when it first shows the page. The main module keeps the router, the
//! shell and what every page needs, so a visitor of a public page (registration, join,
//! credential invitation, sign-in) downloads neither the admin UI nor the other public pages
//! (docs/PERFORMANCE.md, G4). Code several pages share goes into a chunk of its own, loaded
//! once. In a build without `--split` a lazy route is an ordinary one.
//!
//! A lazy route's view takes no arguments, and its chunk is named after its type. Every split
//! point adds chunks: the code each set of split points shares is a chunk of its own, and a
//! page loads every chunk its route's set includes. So one type serves a whole route family
//! (the dashboards, invitations and invite codes of each kind of organisation, which read the
//! kind from the path) rather than one type per route.

use crate::components::NotFound;
use crate::{
    analytics::pages::AnalyticsPage,
    api_tokens::pages::ApiTokensPage,
    audit_log::pages::AuditLogPage,
    auth::pages::LoginPage,
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
use leptos_router::{hooks::use_location, lazy_route, LazyRoute};

/// `lazy_pages! { "/path" => Type: view! { … }, … }`: a unit type per route whose lazy view is
/// the given view.
macro_rules! lazy_pages {
    ($($path:literal => $name:ident: $view:expr,)*) => {$(
        #[doc = concat!("`", $path, "`.")]
        pub struct $name;

        #[lazy_route]
        impl LazyRoute for $name {
            fn data() -> Self {
                Self
            }

            fn view(_page: Self) -> AnyView {
                $view.into_any()
            }
        }
    )*};
}

lazy_pages! {
    "/login" => Login: view! { <LoginPage /> },
    "/join`, `/login/key" => KeyPages: key_page(),
    "/integrations/credential-invite/:token" => CredentialInvite: view! { <CredentialInvitePage /> },
    "/register" => Register: view! { <RegisterPage /> },
    "/integrations" => Integrations: view! { <IntegrationsPage /> },
    "/integrations/partners/:id" => Partner: view! { <PartnerPage /> },
    "/integrations/webhooks/:id" => WebhookEndpoint: view! { <WebhookEndpointPage /> },
    "/dev/mailbox" => Mailbox: view! { <MailboxPage /> },
    "/admin`, `/association`, `/company`, `/cooperative`, `/home" => Dashboards:
        for_kind(|kind| view! { <Dashboard kind /> }),
    "/admin/organisations" => Organisations: view! { <OrganisationsPage /> },
    "/admin/invitations`, `/{kind}/manage-invitations" => Invitations: for_kind(|kind| view! { <InvitationsPage kind /> }),
    "/settings/api-tokens" => ApiTokens: view! { <ApiTokensPage /> },
    "/audit-log" => AuditLog: view! { <AuditLogPage /> },
    "/email-templates" => EmailTemplates: view! { <EmailTemplatesPage /> },
    "/analytics" => Analytics: view! { <AnalyticsPage /> },
    "/api/reference" => ApiReference: view! { <ApiReferencePage /> },
    "/{kind}/invite-codes" => InviteCodes: for_kind(|kind| view! { <InviteCodesPage kind /> }),
}

/// The page of a route family served for every kind of organisation (`/admin/…`,
/// `/association/…`, …), for the kind the current path names; not found for any other path.
fn for_kind<V: IntoView + 'static>(page: impl FnOnce(DashboardKind) -> V) -> AnyView {
    match DashboardKind::from_path(&use_location().pathname.get_untracked()) {
        Some(kind) => page(kind).into_any(),
        None => view! { <NotFound /> }.into_any(),
    }
}

/// `/login/key` or `/join`: the two pages of a member's key pair share one chunk.
fn key_page() -> AnyView {
    if use_location().pathname.get_untracked() == "/login/key" {
        view! { <KeySignInPage /> }.into_any()
    } else {
        view! { <JoinPage /> }.into_any()
    }
}
