//! The pages behind a sign-in, as lazy routes: in a split release build
//! (`cargo leptos build --release --split`, what `scripts/release.sh` runs) each one's code is a
//! wasm chunk of its own that the browser loads when the page is first shown, so the public
//! pages (registration, join, credential invitation, sign-in) do not download the admin UI
//! (docs/PERFORMANCE.md, G4). Code two pages share goes into a chunk of its own, loaded once.
//! In other builds a lazy route is an ordinary one.
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

/// `/integrations`.
pub struct Integrations;

#[lazy_route]
impl LazyRoute for Integrations {
    fn data() -> Self {
        Self
    }

    fn view(_page: Self) -> AnyView {
        view! { <IntegrationsPage /> }.into_any()
    }
}

/// `/integrations/partners/:id`.
pub struct Partner;

#[lazy_route]
impl LazyRoute for Partner {
    fn data() -> Self {
        Self
    }

    fn view(_page: Self) -> AnyView {
        view! { <PartnerPage /> }.into_any()
    }
}

/// `/integrations/webhooks/:id`.
pub struct WebhookEndpoint;

#[lazy_route]
impl LazyRoute for WebhookEndpoint {
    fn data() -> Self {
        Self
    }

    fn view(_page: Self) -> AnyView {
        view! { <WebhookEndpointPage /> }.into_any()
    }
}

/// `/dev/mailbox`.
pub struct Mailbox;

#[lazy_route]
impl LazyRoute for Mailbox {
    fn data() -> Self {
        Self
    }

    fn view(_page: Self) -> AnyView {
        view! { <MailboxPage /> }.into_any()
    }
}

/// `/admin`.
pub struct PlatformDashboard;

#[lazy_route]
impl LazyRoute for PlatformDashboard {
    fn data() -> Self {
        Self
    }

    fn view(_page: Self) -> AnyView {
        view! { <Dashboard kind=DashboardKind::Platform /> }.into_any()
    }
}

/// `/association`.
pub struct AssociationDashboard;

#[lazy_route]
impl LazyRoute for AssociationDashboard {
    fn data() -> Self {
        Self
    }

    fn view(_page: Self) -> AnyView {
        view! { <Dashboard kind=DashboardKind::Association /> }.into_any()
    }
}

/// `/company`.
pub struct CompanyDashboard;

#[lazy_route]
impl LazyRoute for CompanyDashboard {
    fn data() -> Self {
        Self
    }

    fn view(_page: Self) -> AnyView {
        view! { <Dashboard kind=DashboardKind::Company /> }.into_any()
    }
}

/// `/cooperative`.
pub struct CooperativeDashboard;

#[lazy_route]
impl LazyRoute for CooperativeDashboard {
    fn data() -> Self {
        Self
    }

    fn view(_page: Self) -> AnyView {
        view! { <Dashboard kind=DashboardKind::Cooperative /> }.into_any()
    }
}

/// `/home`.
pub struct MemberHome;

#[lazy_route]
impl LazyRoute for MemberHome {
    fn data() -> Self {
        Self
    }

    fn view(_page: Self) -> AnyView {
        view! { <Dashboard kind=DashboardKind::Member /> }.into_any()
    }
}

/// `/admin/organisations`.
pub struct Organisations;

#[lazy_route]
impl LazyRoute for Organisations {
    fn data() -> Self {
        Self
    }

    fn view(_page: Self) -> AnyView {
        view! { <OrganisationsPage /> }.into_any()
    }
}

/// `/admin/invitations`.
pub struct PlatformInvitations;

#[lazy_route]
impl LazyRoute for PlatformInvitations {
    fn data() -> Self {
        Self
    }

    fn view(_page: Self) -> AnyView {
        view! { <InvitationsPage kind=DashboardKind::Platform /> }.into_any()
    }
}

/// `/association/manage-invitations`.
pub struct AssociationInvitations;

#[lazy_route]
impl LazyRoute for AssociationInvitations {
    fn data() -> Self {
        Self
    }

    fn view(_page: Self) -> AnyView {
        view! { <InvitationsPage kind=DashboardKind::Association /> }.into_any()
    }
}

/// `/company/manage-invitations`.
pub struct CompanyInvitations;

#[lazy_route]
impl LazyRoute for CompanyInvitations {
    fn data() -> Self {
        Self
    }

    fn view(_page: Self) -> AnyView {
        view! { <InvitationsPage kind=DashboardKind::Company /> }.into_any()
    }
}

/// `/cooperative/manage-invitations`.
pub struct CooperativeInvitations;

#[lazy_route]
impl LazyRoute for CooperativeInvitations {
    fn data() -> Self {
        Self
    }

    fn view(_page: Self) -> AnyView {
        view! { <InvitationsPage kind=DashboardKind::Cooperative /> }.into_any()
    }
}

/// `/settings/api-tokens`.
pub struct ApiTokens;

#[lazy_route]
impl LazyRoute for ApiTokens {
    fn data() -> Self {
        Self
    }

    fn view(_page: Self) -> AnyView {
        view! { <ApiTokensPage /> }.into_any()
    }
}

/// `/audit-log`.
pub struct AuditLog;

#[lazy_route]
impl LazyRoute for AuditLog {
    fn data() -> Self {
        Self
    }

    fn view(_page: Self) -> AnyView {
        view! { <AuditLogPage /> }.into_any()
    }
}

/// `/email-templates`.
pub struct EmailTemplates;

#[lazy_route]
impl LazyRoute for EmailTemplates {
    fn data() -> Self {
        Self
    }

    fn view(_page: Self) -> AnyView {
        view! { <EmailTemplatesPage /> }.into_any()
    }
}

/// `/analytics`.
pub struct Analytics;

#[lazy_route]
impl LazyRoute for Analytics {
    fn data() -> Self {
        Self
    }

    fn view(_page: Self) -> AnyView {
        view! { <AnalyticsPage /> }.into_any()
    }
}

/// `/api/reference`.
pub struct ApiReference;

#[lazy_route]
impl LazyRoute for ApiReference {
    fn data() -> Self {
        Self
    }

    fn view(_page: Self) -> AnyView {
        view! { <ApiReferencePage /> }.into_any()
    }
}

/// `/admin/invite-codes`.
pub struct PlatformInviteCodes;

#[lazy_route]
impl LazyRoute for PlatformInviteCodes {
    fn data() -> Self {
        Self
    }

    fn view(_page: Self) -> AnyView {
        view! { <InviteCodesPage kind=DashboardKind::Platform /> }.into_any()
    }
}

/// `/association/invite-codes`.
pub struct AssociationInviteCodes;

#[lazy_route]
impl LazyRoute for AssociationInviteCodes {
    fn data() -> Self {
        Self
    }

    fn view(_page: Self) -> AnyView {
        view! { <InviteCodesPage kind=DashboardKind::Association /> }.into_any()
    }
}

/// `/company/invite-codes`.
pub struct CompanyInviteCodes;

#[lazy_route]
impl LazyRoute for CompanyInviteCodes {
    fn data() -> Self {
        Self
    }

    fn view(_page: Self) -> AnyView {
        view! { <InviteCodesPage kind=DashboardKind::Company /> }.into_any()
    }
}

/// `/cooperative/invite-codes`.
pub struct CooperativeInviteCodes;

#[lazy_route]
impl LazyRoute for CooperativeInviteCodes {
    fn data() -> Self {
        Self
    }

    fn view(_page: Self) -> AnyView {
        view! { <InviteCodesPage kind=DashboardKind::Cooperative /> }.into_any()
    }
}
