//! The dialogs of the invitation management page: invite, the link made without an email,
//! an invitation's history, revoke.

use super::super::api::{
    invitation_history, CreateInvitation, CreatedInvitation, InviteChoices, OrganisationOption,
    RevokeInvitation,
};
use crate::{
    components::{
        apply_error, field_error, format_utc, on_new_result, Banner, Dialog, ErrorBanner,
        SelectField, TextField, Tone,
    },
    domain::{DraftFields, InvitationDraft, Role},
    error::{FieldError, FieldErrors},
};
use leptos::prelude::*;
use uuid::Uuid;

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
pub(super) fn InviteDialog(
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
pub(super) fn LinkDialog(
    open: RwSignal<bool>,
    shared: RwSignal<Option<(String, String)>>,
) -> impl IntoView {
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
pub(super) fn HistoryDialog(
    open: RwSignal<bool>,
    target: RwSignal<Option<(Uuid, String)>>,
) -> impl IntoView {
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
pub(super) fn RevokeDialog(
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
