//! The "Member Invitations" page, shared by `/admin/invitations`,
//! `/association/manage-invitations` and `/company/manage-invitations`; what it shows is scoped
//! by the session on the server.

mod bulk;
mod dialogs;
pub mod reference;
mod reminders;

use super::api::{
    invite_options, list_invitations, CreateInvitation, InvitationSummary, ResendInvitation,
    RevokeInvitation,
};
use crate::{
    auth::api::SignedInUser,
    components::{
        format_utc, successes, use_toast, Banner, DeliveryBadge, ErrorBanner, RequireSession,
        SelectField, StatusBadge, TextField, Tone,
    },
    dashboards::pages::DashboardKind,
    domain::InvitationStatus,
};
use dialogs::{HistoryDialog, InviteDialog, LinkDialog, RevokeDialog};
use leptos::{prelude::*, task::spawn_local};
use leptos_meta::Title;
use leptos_router::{
    hooks::{use_location, use_navigate, use_query_map},
    params::ParamsMap,
};
use uuid::Uuid;

/// The management page for a dashboard kind.
#[component]
pub fn InvitationsPage(kind: DashboardKind) -> impl IntoView {
    view! {
        <RequireSession
            allow=move |s: SignedInUser| kind.allows(&s) && s.invitations_path.is_some()>
            <InvitationsBody />
        </RequireSession>
    }
}

#[component]
fn InvitationRow(
    inv: InvitationSummary,
    show_org: bool,
    on_resend: Callback<(Uuid, String)>,
    on_revoke: Callback<(Uuid, String)>,
    on_history: Callback<(Uuid, String)>,
    resend_busy: Signal<bool>,
) -> impl IntoView {
    let id = inv.id;
    let email = inv.email.clone();
    let (e1, e2, e3) = (email.clone(), email.clone(), email.clone());
    let expiry = match inv.status {
        InvitationStatus::Pending => format!("Expires {}", format_utc(inv.expires_at)),
        InvitationStatus::Expired => format!("Expired {}", format_utc(inv.expires_at)),
        _ => format!(
            "Sent {}",
            format_utc(inv.last_sent_at.unwrap_or(inv.created_at))
        ),
    };
    view! {
        <tr>
            <td>
                <p class="cell-primary">{format!("{} {}", inv.first_name, inv.last_name)}</p>
                <p class="cell-secondary">{inv.email.clone()}</p>
                {inv.designation.clone().map(|d| view! { <p class="cell-secondary">{d}</p> })}
                <p class="cell-secondary md:hidden">{inv.role_label.clone()}</p>
            </td>
            <td class="hide-sm">{inv.role_label.clone()}</td>
            {show_org.then(|| view! { <td class="hide-sm">{inv.organisation_name.clone()}</td> })}
            <td><StatusBadge status=inv.status /></td>
            <td class="hide-sm"><DeliveryBadge state=inv.delivery /></td>
            <td class="hide-sm cell-secondary">{expiry}</td>
            <td>
                <div class="row-actions">
                    {inv.can_resend.then(|| view! {
                        <button type="button" class="btn btn-secondary btn-sm"
                            aria-label=format!("Resend invitation to {email}")
                            disabled=move || resend_busy.get()
                            on:click=move |_| on_resend.run((id, e1.clone()))>"Resend"</button>
                    })}
                    {inv.can_revoke.then(|| view! {
                        <button type="button" class="btn btn-danger-outline btn-sm"
                            aria-label=format!("Revoke invitation to {}", e2.clone())
                            on:click=move |_| on_revoke.run((id, e2.clone()))>"Revoke"</button>
                    })}
                    <button type="button" class="btn btn-ghost btn-sm"
                        aria-label=format!("History of the invitation to {}", e3.clone())
                        on:click=move |_| on_history.run((id, e3.clone()))>"History"</button>
                </div>
            </td>
        </tr>
    }
}

/// A query parameter as it is now, without subscribing to it.
fn param_untracked(query: Memo<ParamsMap>, key: &str) -> String {
    query.read_untracked().get(key).unwrap_or_default()
}

/// The list's address for these filters: `path?status=…&search=…&cursor=…`, empty values left
/// out (form-urlencoded, as a `<form method="get">` would send them).
fn list_href(path: &str, status: &str, search: &str, cursor: Option<&str>) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("status", status),
        ("search", search),
        ("cursor", cursor.unwrap_or("")),
    ] {
        if !v.is_empty() {
            query.append_pair(k, v);
        }
    }
    let query = query.finish();
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}

#[component]
fn InvitationsBody() -> impl IntoView {
    let toast = use_toast();
    // The filters and the page live in the address (`?status=…&search=…&cursor=…`), so a
    // filtered list can be bookmarked, shared and reloaded, and works without scripts.
    let query = use_query_map();
    let pathname = use_location().pathname;
    let navigate = use_navigate();
    let param = move |k: &str| query.read().get(k).unwrap_or_default();
    let status = RwSignal::new(query.read_untracked().get("status").unwrap_or_default());
    let search_input = RwSignal::new(query.read_untracked().get("search").unwrap_or_default());
    // Back and forward change the address: the fields follow it.
    Effect::new(move |_| {
        status.set(param("status"));
        search_input.set(param("search"));
    });
    let go_to = {
        let navigate = navigate.clone();
        move |status: &str, search: &str| {
            navigate(
                &list_href(&pathname.get_untracked(), status, search, None),
                Default::default(),
            );
        }
    };
    let extra = RwSignal::new(Vec::<InvitationSummary>::new());
    let next_cursor = RwSignal::new(None::<String>);
    let loading_more = RwSignal::new(false);
    let page_error = RwSignal::new(None::<String>);

    let create = ServerAction::<CreateInvitation>::new();
    let revoke = ServerAction::<RevokeInvitation>::new();
    let resend = ServerAction::<ResendInvitation>::new();
    let changes = [successes(create), successes(revoke), successes(resend)];
    let options = Resource::new(|| (), |_| invite_options());
    let bulk_done = RwSignal::new(0usize);
    let page = Resource::new(
        move || {
            (
                param("status"),
                param("search"),
                param("cursor"),
                changes.map(|c| c.get()),
                bulk_done.get(),
            )
        },
        |(s, q, c, _, _)| list_invitations(Some(s), Some(q), Some(c)),
    );

    let invite_open = RwSignal::new(false);
    let history_open = RwSignal::new(false);
    let history_target = RwSignal::new(None::<(Uuid, String)>);
    let revoke_open = RwSignal::new(false);
    let revoke_target = RwSignal::new(None::<(Uuid, String)>);
    let resend_to = RwSignal::new(String::new());

    // The rows fetched with "Load more" go with the reload (the first page comes back fresh).
    let clear_extra = move || extra.set(Vec::new());
    Effect::new(move |_| match resend.value().get() {
        Some(Ok(())) => {
            toast.show(format!(
                "A new invitation link was sent to {}.",
                resend_to.get_untracked()
            ));
            page_error.set(None);
            clear_extra();
        }
        Some(Err(e)) => page_error.set(Some(e.to_string())),
        None => {}
    });

    let on_sent = Callback::new(move |to: String| {
        toast.show(format!("Invitation sent to {to}."));
        clear_extra();
    });
    let bulk_open = RwSignal::new(false);
    let on_done = Callback::new(move |()| {
        toast.show("The bulk import finished.");
        clear_extra();
        bulk_done.update(|n| *n += 1);
    });
    let link_open = RwSignal::new(false);
    let shared_link = RwSignal::new(None::<(String, String)>);
    let on_link = Callback::new(move |made: (String, String)| {
        shared_link.set(Some(made));
        link_open.set(true);
        clear_extra();
    });
    let on_revoked = Callback::new(move |to: String| {
        toast.show(format!("The invitation to {to} was revoked."));
        clear_extra();
    });
    let on_resend = Callback::new(move |(id, to): (Uuid, String)| {
        resend_to.set(to);
        resend.dispatch(ResendInvitation { id });
    });
    let on_revoke = Callback::new(move |t: (Uuid, String)| {
        revoke_target.set(Some(t));
        revoke_open.set(true);
    });
    let on_history = Callback::new(move |t: (Uuid, String)| {
        history_target.set(Some(t));
        history_open.set(true);
    });
    let resend_busy = Signal::derive(move || resend.pending().get());

    // "Load more" is a link to the next page; with scripts it appends that page instead.
    let next_href = move || {
        next_cursor.get().map(|c| {
            list_href(
                &pathname.get(),
                &param("status"),
                &param("search"),
                Some(&c),
            )
        })
    };
    let load_more = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        let Some(cursor) = next_cursor.get_untracked() else {
            return;
        };
        if loading_more.get_untracked() {
            return;
        }
        loading_more.set(true);
        spawn_local(async move {
            match list_invitations(
                Some(param_untracked(query, "status")),
                Some(param_untracked(query, "search")),
                Some(cursor),
            )
            .await
            {
                Ok(p) => {
                    extra.update(|rows| rows.extend(p.invitations));
                    next_cursor.set(p.next_cursor);
                }
                Err(e) => page_error.set(Some(e.to_string())),
            }
            loading_more.set(false);
        });
    };
    let newest_href = move || {
        (!param("cursor").is_empty())
            .then(|| list_href(&pathname.get(), &param("status"), &param("search"), None))
    };

    // In the list's Suspense, so the server-rendered page has its links.
    let pager = move || {
        view! {
            <p class="mt-6 pager">
                {move || next_href().map(|href| view! {
                    <a class="btn btn-secondary" href=href on:click=load_more
                        aria-disabled=move || loading_more.get().then_some("true")>
                        {move || if loading_more.get() { "Loading…" } else { "Load more" }}
                    </a>
                })}
                {move || newest_href().map(|href| view! {
                    <a class="btn btn-ghost" href=href>"Back to the newest"</a>
                })}
            </p>
        }
    };

    let status_options: Vec<(String, String)> =
        std::iter::once((String::new(), "All statuses".to_owned()))
            .chain(
                InvitationStatus::ALL
                    .iter()
                    .map(|s| (s.as_str().to_owned(), s.label().to_owned())),
            )
            .collect();
    let no_errors = Signal::derive(|| None::<String>);

    view! {
        <Title text="Member Invitations" />
        <div class="page-head">
            <div>
                <h1 class="page-title">"Member Invitations"</h1>
                <p class="page-subtitle">"Invite people, follow each invitation, resend or revoke it."</p>
            </div>
            <div class="page-actions">
                <button type="button" class="btn btn-secondary" on:click=move |_| bulk_open.set(true)>"Bulk invite"</button>
                <button type="button" class="btn btn-primary" on:click=move |_| invite_open.set(true)>"Invite Member"</button>
            </div>
        </div>
        <Show when=move || page_error.get().is_some()>
            <Banner tone=Tone::Error>{move || page_error.get()}</Banner>
        </Show>
        <form class="filters" role="search" aria-label="Filter invitations" method="get"
            on:submit={
                let go_to = go_to.clone();
                move |ev| {
                    ev.prevent_default();
                    go_to(&status.get_untracked(), &search_input.get_untracked());
                }
            }>
            // A new status applies at once; the search waits for its button.
            <div on:change={
                let go_to = go_to.clone();
                move |ev| go_to(&event_target_value(&ev), &search_input.get_untracked())
            }>
                <SelectField id="filter-status" label="Status" name="status" value=status options=Signal::stored(status_options) error=no_errors />
            </div>
            <TextField id="filter-search" label="Search by email" name="search" input_type="search" value=search_input error=no_errors />
            <div class="filters-submit">
                <button type="submit" class="btn btn-secondary">"Search"</button>
            </div>
        </form>
        // Its own Suspense: reloading the list must not rebuild the dialog.
        <Suspense>
            {move || Suspend::new(async move {
                options.await.ok().map(|o| view! {
                    <InviteDialog open=invite_open options=o.clone() action=create on_sent on_link />
                    <bulk::BulkDialog open=bulk_open options=o on_done />
                })
            })}
        </Suspense>
        <LinkDialog open=link_open shared=shared_link />
        <Suspense fallback=|| view! { <p>"Loading invitations…"</p> }>
            {move || Suspend::new(async move {
                let opts = options.await;
                let show_org = opts.as_ref().map(|o| o.all_organisations).unwrap_or(false);
                match page.await {
                    Ok(p) => {
                        next_cursor.set(p.next_cursor.clone());
                        let first_rows = p.invitations.clone();
                        let empty = first_rows.is_empty();
                        view! {
                            {if empty {
                                let filtered = !param_untracked(query, "status").is_empty()
                                    || !param_untracked(query, "search").is_empty();
                                if filtered {
                                    view! {
                                        <div class="empty-state">
                                            <p class="empty-title">"No matching invitations"</p>
                                            <p>"No invitation matches this status and search."</p>
                                        </div>
                                    }.into_any()
                                } else {
                                    view! {
                                        <div class="empty-state">
                                            <p class="empty-title">"No invitations yet"</p>
                                            <p>"Invitations you send appear here with their status."</p>
                                        </div>
                                    }.into_any()
                                }
                            } else {
                                view! {
                                    <div class="table-wrap">
                                        <table class="table">
                                            <caption class="sr-only">"Invitations, newest first"</caption>
                                            <thead>
                                                <tr>
                                                    <th scope="col">"Invitee"</th>
                                                    <th scope="col" class="hide-sm">"Role"</th>
                                                    {show_org.then(|| view! { <th scope="col" class="hide-sm">"Organisation"</th> })}
                                                    <th scope="col">"Status"</th>
                                                    <th scope="col" class="hide-sm">"Email"</th>
                                                    <th scope="col" class="hide-sm">"Expiry"</th>
                                                    <th scope="col"><span class="sr-only">"Actions"</span></th>
                                                </tr>
                                            </thead>
                                            <tbody>
                                                {first_rows.into_iter().map(|inv| view! {
                                                    <InvitationRow inv show_org on_resend on_revoke on_history resend_busy />
                                                }).collect_view()}
                                                {move || extra.get().into_iter().map(|inv| view! {
                                                    <InvitationRow inv show_org on_resend on_revoke on_history resend_busy />
                                                }).collect_view()}
                                            </tbody>
                                        </table>
                                    </div>
                                }.into_any()
                            }}
                            {pager()}
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorBanner error=e /> {pager()} }.into_any(),
                }
            })}
        </Suspense>
        <reminders::ReminderSwitch />
        <RevokeDialog open=revoke_open target=revoke_target action=revoke on_done=on_revoked />
        <HistoryDialog open=history_open target=history_target />
    }
}
