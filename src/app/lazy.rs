//! The pages behind a sign-in, as lazy routes: in a split build
//! (`cargo leptos build --split`, what `scripts/release.sh` and the test command run) each
//! one's code is a wasm chunk of its own that the browser loads when the page is first shown,
//! so the public pages that hydrate (join, credential invitation, sign-in) do not download
//! the admin UI (docs/PERFORMANCE.md, G4); the registration page is served without the app at
//! all (`super::served_without_app`). Code two pages share goes into a chunk of its own,
//! loaded once. In other builds a lazy route is an ordinary one.
//!
//! The public pages that hydrate stay in the main module. wasm-split makes a chunk of the code each set of
//! split points shares, and a page loads every chunk of a set its own is in: as a lazy route
//! the registration page loaded 146 files instead of 3 for 14 % fewer gzip bytes, and on a
//! throttled phone became interactive 1.6× later (docs/PERFORMANCE.md, G4, "Every page lazy").
//!
//! One type per route: a lazy route's view takes no arguments, and the chunk is named after
//! the type.

use crate::{
    analytics::pages::AnalyticsPage,
    api_tokens::pages::ApiTokensPage,
    audit_log::pages::AuditLogPage,
    dashboards::pages::{Dashboard, DashboardKind},
    dev_mailbox::pages::MailboxPage,
    email_templates::pages::EmailTemplatesPage,
    invitations::pages::{reference::ApiReferencePage, InvitationsPage},
    invite_codes::pages::InviteCodesPage,
    organisations::pages::OrganisationsPage,
    partners::pages::{IntegrationsPage, PartnerPage},
    webhooks::pages::WebhookEndpointPage,
};
use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

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
    "/integrations" => Integrations: view! { <IntegrationsPage /> },
    "/integrations/partners/:id" => Partner: view! { <PartnerPage /> },
    "/integrations/webhooks/:id" => WebhookEndpoint: view! { <WebhookEndpointPage /> },
    "/dev/mailbox" => Mailbox: view! { <MailboxPage /> },
    "/admin" => PlatformDashboard: view! { <Dashboard kind=DashboardKind::Platform /> },
    "/association" => AssociationDashboard: view! { <Dashboard kind=DashboardKind::Association /> },
    "/company" => CompanyDashboard: view! { <Dashboard kind=DashboardKind::Company /> },
    "/cooperative" => CooperativeDashboard: view! { <Dashboard kind=DashboardKind::Cooperative /> },
    "/home" => MemberHome: view! { <Dashboard kind=DashboardKind::Member /> },
    "/admin/organisations" => Organisations: view! { <OrganisationsPage /> },
    "/admin/invitations" => PlatformInvitations: view! { <InvitationsPage kind=DashboardKind::Platform /> },
    "/association/manage-invitations" => AssociationInvitations: view! { <InvitationsPage kind=DashboardKind::Association /> },
    "/company/manage-invitations" => CompanyInvitations: view! { <InvitationsPage kind=DashboardKind::Company /> },
    "/cooperative/manage-invitations" => CooperativeInvitations: view! { <InvitationsPage kind=DashboardKind::Cooperative /> },
    "/settings/api-tokens" => ApiTokens: view! { <ApiTokensPage /> },
    "/audit-log" => AuditLog: view! { <AuditLogPage /> },
    "/email-templates" => EmailTemplates: view! { <EmailTemplatesPage /> },
    "/analytics" => Analytics: view! { <AnalyticsPage /> },
    "/api/reference" => ApiReference: view! { <ApiReferencePage /> },
    "/admin/invite-codes" => PlatformInviteCodes: view! { <InviteCodesPage kind=DashboardKind::Platform /> },
    "/association/invite-codes" => AssociationInviteCodes: view! { <InviteCodesPage kind=DashboardKind::Association /> },
    "/company/invite-codes" => CompanyInviteCodes: view! { <InviteCodesPage kind=DashboardKind::Company /> },
    "/cooperative/invite-codes" => CooperativeInviteCodes: view! { <InviteCodesPage kind=DashboardKind::Cooperative /> },
}
