//! The "Member Invitations" page, shared by `/admin/invitations`,
//! `/association/manage-invitations` and `/company/manage-invitations`; what it shows is scoped
//! by the session on the server.

mod bulk;
pub mod reference;
mod reminders;

use super::api::{
    invitation_history, invite_options, list_invitations, CreateInvitation, CreatedInvitation,
    InvitationSummary, InviteChoices, OrganisationOption, ResendInvitation, RevokeInvitation,
};
use crate::{
    auth::api::SignedInUser,
    components::{
        apply_error, field_error, format_utc, on_new_result, successes, use_toast, Banner,
        DeliveryBadge, Dialog, ErrorBanner, RequireSession, SelectField, StatusBadge, TextField,
        Tone,
    },
    dashboards::pages::DashboardKind,
    domain::{DraftFields, InvitationDraft, InvitationStatus, Role},
    error::{FieldError, FieldErrors},
};
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

/// Client-side check of the invite form with the parser the server runs: the organisation
/// chosen decides the kind, and the roles it offers are the ones the caller may grant.
fn validate_invite(fields: &DraftFields<'_>, org: Option<&OrganisationOption>) -> Vec<FieldError> {
    let mut errs = FieldErrors::default();
    let may_grant = |role: Role| match org {
        Some(o) if o.roles.iter().any(|r| r.value == role) => Ok(()),
        _ => Err("You cannot grant this role.".to_owned()),
    };
    InvitationDraft::parse(fields, org.map(|o| o.kind), may_grant, &mut errs);
    match errs.finish() {
        Err(crate::error::AppError::Validation(v)) => v,
        _ => Vec::new(),
    }
}

#[component]
fn InviteDialog(
    open: RwSignal<bool>,
    options: InviteChoices,
    action: ServerAction<CreateInvitation>,
    on_sent: Callback<String>,
    /// Called with `(email, link)` when the invitation was made without an email.
    on_link: Callback<(String, String)>,
) -> impl IntoView {
    let default_org = options
        .organisations
        .first()
        .map(|o| o.id.to_string())
        .unwrap_or_default();
    let orgs = StoredValue::new(options.organisations.clone());
    let org = RwSignal::new(default_org);
    let email = RwSignal::new(String::new());
    let first = RwSignal::new(String::new());
    let last = RwSignal::new(String::new());
    let role = RwSignal::new(String::new());
    let designation = RwSignal::new(String::new());
    let department = RwSignal::new(String::new());
    let lifetime = RwSignal::new(String::new());
    let send_email = RwSignal::new(true);
    let fields = RwSignal::new(Vec::<FieldError>::new());
    let general = RwSignal::new(None::<String>);
    let default_hours = options.default_lifetime_hours;
    let lifetime_options = Signal::stored({
        let mut opts = vec![(
            String::new(),
            format!("Default ({})", lifetime_label(default_hours)),
        )];
        opts.extend(
            [1u64, 24, 72, 168, 336, 720]
                .into_iter()
                .map(|h| (h.to_string(), lifetime_label(h))),
        );
        opts
    });

    let role_options = Signal::derive(move || {
        let selected = org.get();
        let mut opts = vec![(String::new(), "Choose a role".to_owned())];
        orgs.with_value(|os| {
            if let Some(o) = os.iter().find(|o| o.id.to_string() == selected) {
                opts.extend(
                    o.roles
                        .iter()
                        .map(|r| (r.value.as_str().to_owned(), r.label.clone())),
                );
            }
        });
        opts
    });
    let org_options = Signal::derive(move || {
        orgs.with_value(|os| {
            os.iter()
                .map(|o| (o.id.to_string(), format!("{} ({})", o.name, o.kind.label())))
                .collect::<Vec<_>>()
        })
    });
    let many_orgs = options.organisations.len() > 1;

    on_new_result(
        action,
        move |created: CreatedInvitation| {
            let sent_to = email.get_untracked();
            for s in [email, first, last, role, designation, department, lifetime] {
                s.set(String::new());
            }
            send_email.set(true);
            fields.set(Vec::new());
            general.set(None);
            open.set(false);
            match created.link {
                Some(link) => on_link.run((sent_to, link)),
                None => on_sent.run(sent_to),
            }
        },
        move |e| apply_error(&e, fields, general),
    );

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (e, f, l, r, des, dep) = (
            email.get_untracked(),
            first.get_untracked(),
            last.get_untracked(),
            role.get_untracked(),
            designation.get_untracked(),
            department.get_untracked(),
        );
        let selected = org.get_untracked();
        let errs = orgs.with_value(|os| {
            validate_invite(
                &DraftFields {
                    email: &e,
                    first_name: &f,
                    last_name: &l,
                    role: &r,
                    designation: &des,
                    department: &dep,
                },
                os.iter().find(|o| o.id.to_string() == selected),
            )
        });
        if !errs.is_empty() {
            fields.set(errs);
            return;
        }
        fields.set(Vec::new());
        action.dispatch(CreateInvitation {
            organisation_id: Some(org.get_untracked()),
            email: email.get_untracked(),
            first_name: first.get_untracked(),
            last_name: last.get_untracked(),
            role: role.get_untracked(),
            designation: Some(designation.get_untracked()),
            department: Some(department.get_untracked()),
            expires_in_hours: Some(lifetime.get_untracked()),
            send_email: Some(send_email.get_untracked().to_string()),
        });
    };

    view! {
        <Dialog id="invite-dialog" title="Invite Member" open description="The invitee gets a single-use link to complete registration: by email, or from you.">
            <form class="form-stack" novalidate=true on:submit=submit>
                <Show when=move || general.get().is_some()>
                    <Banner tone=Tone::Error>{move || general.get()}</Banner>
                </Show>
                {many_orgs.then(|| view! {
                    <SelectField id="invite-org" label="Organisation" name="organisation_id" value=org options=org_options error=field_error(fields, "organisation_id") required=true />
                })}
                <TextField id="invite-email" label="Email address" name="email" input_type="email" required=true autofocus=true value=email error=field_error(fields, "email") />
                <div class="grid-2">
                    <TextField id="invite-first-name" label="First name" name="first_name" required=true value=first error=field_error(fields, "first_name") />
                    <TextField id="invite-last-name" label="Last name" name="last_name" required=true value=last error=field_error(fields, "last_name") />
                </div>
                <SelectField id="invite-role" label="Role" name="role" value=role options=role_options error=field_error(fields, "role") required=true />
                <div class="grid-2">
                    <TextField id="invite-designation" label="Designation" name="designation" hint="Optional, e.g. Finance Lead" value=designation error=field_error(fields, "designation") />
                    <TextField id="invite-department" label="Department" name="department" hint="Optional" value=department error=field_error(fields, "department") />
                </div>
                <SelectField id="invite-lifetime" label="Link expires after" name="expires_in_hours" value=lifetime options=lifetime_options error=field_error(fields, "expires_in_hours") />
                <label class="checkbox-label">
                    <input type="checkbox" class="checkbox" name="send_email" prop:checked=move || send_email.get() on:change=move |ev| send_email.set(event_target_checked(&ev)) />
                    "Send the invitation by email"
                </label>
                <div class="dialog-actions">
                    <button type="button" class="btn btn-secondary" on:click=move |_| open.set(false)>"Cancel"</button>
                    <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>
                        {move || match (action.pending().get(), send_email.get()) {
                            (true, _) => "Sending…",
                            (false, true) => "Send Invitation",
                            (false, false) => "Create link",
                        }}
                    </button>
                </div>
            </form>
        </Dialog>
    }
}

/// "1 hour", "3 days"...: a lifetime in hours as people say it.
fn lifetime_label(hours: u64) -> String {
    match hours {
        1 => "1 hour".into(),
        h if h % 24 == 0 && h / 24 == 1 => "1 day".into(),
        h if h % 24 == 0 => format!("{} days", h / 24),
        h => format!("{h} hours"),
    }
}

/// The registration link of an invitation made without an email, shown this once.
#[component]
fn LinkDialog(open: RwSignal<bool>, shared: RwSignal<Option<(String, String)>>) -> impl IntoView {
    let copied = RwSignal::new(false);
    view! {
        <Dialog id="link-dialog" title="Invitation link" open description="No email was sent. Share this link with the invitee yourself: it is shown only this once.">
            {move || shared.get().map(|(to, link)| {
                let text = link.clone();
                view! {
                    <p class="dialog-description">{format!("For {to}")}</p>
                    <div class="field">
                        <label class="field-label" for="invitation-link">"Registration link"</label>
                        <div class="copy-row">
                            <input class="input code-input grow" id="invitation-link" readonly=true value=link />
                            <button type="button" class="btn btn-secondary" aria-label="Copy registration link" on:click=move |_| {
                                crate::auth::keystore::copy_to_clipboard(&text);
                                copied.set(true);
                            }>{move || if copied.get() { "Copied" } else { "Copy" }}</button>
                        </div>
                    </div>
                }
            })}
            <div class="dialog-actions">
                <button type="button" class="btn btn-primary" on:click=move |_| { copied.set(false); open.set(false); }>"Done"</button>
            </div>
        </Dialog>
    }
}

#[component]
fn HistoryDialog(open: RwSignal<bool>, target: RwSignal<Option<(Uuid, String)>>) -> impl IntoView {
    let history = Resource::new(
        move || target.get().map(|t| t.0),
        |id| async move {
            match id {
                Some(id) => invitation_history(id).await.map(Some),
                None => Ok(None),
            }
        },
    );
    view! {
        <Dialog id="history-dialog" title="Invitation history" open>
            <p class="dialog-description">{move || target.get().map(|t| t.1)}</p>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match history.await {
                        Ok(Some(events)) => view! {
                            <ol class="timeline">
                                {events.into_iter().map(|e| view! {
                                    <li class="timeline-item">
                                        <p class="timeline-action">{e.action.replace('_', " ")}</p>
                                        <p class="timeline-meta">
                                            {format_utc(e.at)}
                                            {e.actor.map(|a| format!(" · by {a}"))}
                                            {e.ip.map(|ip| format!(" · {ip}"))}
                                        </p>
                                        {e.detail.map(|d| view! { <p class="timeline-detail">{d}</p> })}
                                    </li>
                                }).collect_view()}
                            </ol>
                        }.into_any(),
                        Ok(None) => ().into_any(),
                        Err(e) => view! { <ErrorBanner error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </Dialog>
    }
}

#[component]
fn RevokeDialog(
    open: RwSignal<bool>,
    target: RwSignal<Option<(Uuid, String)>>,
    action: ServerAction<RevokeInvitation>,
    on_done: Callback<String>,
) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    let fields = RwSignal::new(Vec::<FieldError>::new());
    let general = RwSignal::new(None::<String>);
    on_new_result(
        action,
        move |()| {
            let who = target.get_untracked().map(|t| t.1).unwrap_or_default();
            reason.set(String::new());
            general.set(None);
            open.set(false);
            on_done.run(who);
        },
        move |e| apply_error(&e, fields, general),
    );
    view! {
        <Dialog id="revoke-dialog" title="Revoke invitation" open>
            <form class="form-stack" novalidate=true on:submit=move |ev| {
                ev.prevent_default();
                if let Some((id, _)) = target.get_untracked() {
                    action.dispatch(RevokeInvitation { id, reason: Some(reason.get_untracked()) });
                }
            }>
                <p class="dialog-description">
                    {move || format!("The link sent to {} will stop working immediately.", target.get().map(|t| t.1).unwrap_or_default())}
                </p>
                <Show when=move || general.get().is_some()>
                    <Banner tone=Tone::Error>{move || general.get()}</Banner>
                </Show>
                <TextField id="revoke-reason" label="Reason" name="reason" hint="Optional; kept in the audit trail" autofocus=true value=reason error=field_error(fields, "reason") />
                <div class="dialog-actions">
                    <button type="button" class="btn btn-secondary" on:click=move |_| open.set(false)>"Cancel"</button>
                    <button type="submit" class="btn btn-danger" disabled=move || action.pending().get()>"Revoke invitation"</button>
                </div>
            </form>
        </Dialog>
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
