//! The dashboards.

use super::api::dashboard_summary;
use crate::{
    auth::api::SignedInUser,
    components::{ErrorBanner, PageSession, RequireSession},
    domain::{OrgKind, Role},
};
use leptos::prelude::*;
use leptos_meta::Title;

/// Which dashboard (and which management page) a route is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DashboardKind {
    /// `/admin`: platform admins.
    Platform,
    /// `/association`: association managers.
    Association,
    /// `/company`: company owners and admins.
    Company,
    /// `/cooperative`: cooperative admins.
    Cooperative,
    /// `/home`: everybody signed in.
    Member,
}

impl DashboardKind {
    /// Whether the signed-in person may open this dashboard.
    pub fn allows(self, s: &SignedInUser) -> bool {
        match self {
            Self::Platform => s.organisation_kind == OrgKind::Platform && s.role == Role::Admin,
            Self::Association => {
                s.organisation_kind == OrgKind::Association && s.role == Role::Manager
            }
            Self::Company => {
                s.organisation_kind == OrgKind::Company
                    && matches!(s.role, Role::Owner | Role::Admin)
            }
            Self::Cooperative => {
                s.organisation_kind == OrgKind::Cooperative && s.role == Role::Admin
            }
            Self::Member => true,
        }
    }

    fn title(self) -> &'static str {
        match self {
            Self::Platform => "Admin dashboard",
            Self::Association => "Association dashboard",
            Self::Company => "Company dashboard",
            Self::Cooperative => "Cooperative dashboard",
            Self::Member => "Home",
        }
    }
}

/// "2 d 3 h", "3 h 20 min", "12 min" for a duration in minutes.
pub fn format_minutes(minutes: i64) -> String {
    let (d, h, m) = (minutes / 1440, (minutes % 1440) / 60, minutes % 60);
    match (d, h) {
        (0, 0) => format!("{m} min"),
        (0, _) => format!("{h} h {m} min"),
        _ => format!("{d} d {h} h"),
    }
}

#[component]
fn Stat(label: &'static str, #[prop(into)] value: String) -> impl IntoView {
    view! {
        <div class="stat">
            <dt class="stat-label">{label}</dt>
            <dd class="stat-value">{value}</dd>
        </div>
    }
}

#[component]
fn DashboardBody(kind: DashboardKind) -> impl IntoView {
    let PageSession(session) = expect_context::<PageSession>();
    let summary = Resource::new(|| (), |_| dashboard_summary());
    view! {
        <Title text=kind.title() />
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                Suspend::new(async move {
                    // The header has the redirect and the error; here, only who it is.
                    let Ok(Some(info)) = session.await else {
                        return ().into_any();
                    };
                    let first_name = info
                        .display_name
                        .split(' ')
                        .next()
                        .unwrap_or_default()
                        .to_owned();
                    let greeting = view! {
                        <h1 class="page-title">{format!("Welcome, {first_name}")}</h1>
                        <p class="page-subtitle">{format!("{} · {}", info.organisation_name, info.role_label)}</p>
                    };
                    let overview = match summary.await {
                        Ok(s) => {
                            view! {
                                <section aria-labelledby="overview-heading" class="card mt-6">
                                    <h2 id="overview-heading" class="section-title">"Overview"</h2>
                                    <dl class="stats">
                                        <Stat label="Members" value=s.members.to_string() />
                                        {s.invitations.clone().map(|c| view! {
                                            <Stat label="Pending invitations" value=c.pending.to_string() />
                                            <Stat label="Accepted" value=c.accepted.to_string() />
                                            <Stat label="Expired" value=c.expired.to_string() />
                                            <Stat label="Revoked" value=c.revoked.to_string() />
                                            <Stat label="Acceptance rate" value=c.acceptance_rate_percent.map_or_else(|| "—".to_owned(), |p| format!("{p}%")) />
                                            <Stat label="Median time to accept" value=c.median_minutes_to_accept.map_or_else(|| "—".to_owned(), format_minutes) />
                                        })}
                                    </dl>
                                    {info.invitations_path.clone().map(|p| view! {
                                        <p class="mt-6 flex flex-wrap gap-2">
                                            <a href=p class="btn btn-primary">"Member Invitations"</a>
                                            {info.invite_codes_path.clone().map(|c| view! {
                                                <a href=c class="btn btn-secondary">"Invite codes"</a>
                                            })}
                                            {info.integrations_path.clone().map(|c| view! {
                                                <a href=c class="btn btn-secondary">"Integrations"</a>
                                            })}
                                            {(kind == DashboardKind::Platform).then(|| view! {
                                                <a href="/admin/organisations" class="btn btn-secondary">"Organisations"</a>
                                            })}
                                        </p>
                                    })}
                                </section>
                            }
                                .into_any()
                        }
                        Err(e) => view! { <ErrorBanner error=e /> }.into_any(),
                    };
                    view! { {greeting} {overview} }.into_any()
                })
            }}
        </Suspense>
        {(kind == DashboardKind::Member).then(|| view! {
            <section class="card mt-6" aria-labelledby="membership-heading">
                <h2 id="membership-heading" class="section-title">"Your membership"</h2>
                <p>"You are signed in and your membership is active. Your administrators can invite more people and manage access."</p>
            </section>
        })}
    }
}

/// A dashboard; people whose role belongs elsewhere are sent to their own.
#[component]
pub fn Dashboard(kind: DashboardKind) -> impl IntoView {
    view! {
        <RequireSession
            allow=move |s: SignedInUser| kind.allows(&s)
        >
            <DashboardBody kind />
        </RequireSession>
    }
}

#[cfg(test)]
mod tests {
    use super::format_minutes;

    #[test]
    fn durations_read_at_a_glance() {
        assert_eq!(format_minutes(12), "12 min");
        assert_eq!(format_minutes(200), "3 h 20 min");
        assert_eq!(format_minutes(3060), "2 d 3 h");
    }
}
