use crate::{
    auth::api::{session_info, SignOut, SignedInUser},
    components::ErrorBanner,
    error::AppError,
};
use leptos::prelude::*;
use leptos_router::{components::Redirect, hooks::use_location};

/// The header of signed-in pages: product name, navigation for the role, who is signed in,
/// and "Sign out" (a form, so it works before hydration too).
#[component]
pub fn AppHeader(info: SignedInUser) -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    view! {
        <header class="app-header">
            <div class="app-header-inner">
                <a href=info.dashboard_path.clone() class="brand">"Gatehouse"</a>
                <nav aria-label="Main" class="app-nav">
                    <a href=info.dashboard_path.clone() class="nav-link">"Dashboard"</a>
                    {info
                        .invitations_path
                        .clone()
                        .map(|p| view! { <a href=p class="nav-link">"Member Invitations"</a> })}
                    {info
                        .invite_codes_path
                        .clone()
                        .map(|p| view! { <a href=p class="nav-link">"Invite codes"</a> })}
                    {info
                        .integrations_path
                        .clone()
                        .map(|p| view! { <a href=p class="nav-link">"Integrations"</a> })}
                    {info
                        .invitations_path
                        .is_some()
                        .then(|| view! { <a href="/settings/api-tokens" class="nav-link">"API tokens"</a> })}
                    {info.reports.then(|| view! { <a href="/analytics" class="nav-link">"Analytics"</a> })}
                    {info.reports.then(|| view! { <a href="/audit-log" class="nav-link">"Audit log"</a> })}
                    {info.reports.then(|| view! { <a href="/email-templates" class="nav-link">"Email templates"</a> })}
                    {(info.organisation_kind == crate::domain::OrgKind::Platform
                        && info.role == crate::domain::Role::Admin)
                        .then(|| view! { <a href="/admin/organisations" class="nav-link">"Organisations"</a> })}
                </nav>
                <div class="app-user">
                    <p class="app-user-name">
                        {info.display_name.clone()}
                        <span class="app-user-org">{format!("{} · {}", info.organisation_name, info.role_label)}</span>
                    </p>
                    <ActionForm action=sign_out>
                        <button type="submit" class="btn btn-secondary">"Sign out"</button>
                    </ActionForm>
                </div>
            </div>
        </header>
    }
}

/// `path?query` of the current page, percent-encoded for a `next=` parameter.
fn here_encoded() -> String {
    let loc = use_location();
    let path = loc.pathname.get_untracked();
    let search = loc.search.get_untracked();
    let search = search.trim_start_matches('?');
    let here = if search.is_empty() {
        path
    } else {
        format!("{path}?{search}")
    };
    form_urlencoded::byte_serialize(here.as_bytes()).collect()
}

/// The signed-in person of a page behind [`RequireSession`], for a body that shows who it is:
/// read it (`.await`) inside a `Suspense`; never make another.
#[derive(Clone, Copy)]
pub struct PageSession(pub Resource<Result<Option<SignedInUser>, AppError>>);

/// A page behind a sign-in: the app header for a signed-in person whom `allow` admits, and
/// `children`, the page's body. Anonymous visitors are redirected to `/login?next=…`;
/// signed-in people whom `allow` refuses go to their own dashboard (so `/`, which admits
/// nobody and has no body, sends everyone where they belong).
///
/// The body is made once, outside the session's `Suspense`: on the server a `Suspense` runs
/// its children again while it waits for what they read (leptos-rs/leptos#4866, #4688), so a
/// body made inside it would make, and fetch, every resource of the page twice. The body's
/// server functions check the session and the role themselves; before a redirect the body
/// shows only their refusals.
#[component]
pub fn RequireSession(
    #[prop(into)] allow: Callback<SignedInUser, bool>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let session = Resource::new(|| (), |_| session_info());
    provide_context(PageSession(session));
    let next = here_encoded();
    let body = children.map(|c| c());
    view! {
        <Suspense fallback=|| view! { <p class="page-loading">"Loading…"</p> }>
            {move || {
                let next = next.clone();
                Suspend::new(async move {
                    match session.await {
                        Ok(Some(info)) if allow.run(info.clone()) => {
                            view! { <AppHeader info /> }.into_any()
                        }
                        Ok(Some(info)) => view! { <Redirect path=info.dashboard_path /> }.into_any(),
                        Ok(None) | Err(AppError::Unauthenticated) => {
                            view! { <Redirect path=format!("/login?next={next}") /> }.into_any()
                        }
                        Err(e) => view! { <div class="page"><ErrorBanner error=e /></div> }.into_any(),
                    }
                })
            }}
        </Suspense>
        <main id="main" class="page">{body}</main>
    }
}
