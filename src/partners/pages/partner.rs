//! `/integrations/partners/:id`: one partner.

use super::{
    allowed, client_secret::ClientSecretCard, scope_string, PartnerStatusBadge, ScopePicker,
};
use crate::{
    auth::keystore::copy_to_clipboard,
    components::{
        apply_error, field_error, format_utc, on_action, on_new_result, successes, use_toast,
        Banner, Dialog, ErrorBanner, RequireSession, SelectField, TextArea, TextField, Tone,
    },
    credential_invitations::{
        api::{
            CreateCredentialInvitation, RefreshCredentialInvitation, RevokeCredentialInvitation,
        },
        pages::{CredentialInviteDialog, EventsDialog, InvitationRow},
    },
    error::FieldError,
    partners::api::{
        load_partner, ApprovePartner, DecommissionPartner, IssuedCredentials, PartnerDetail,
        RejectPartner, RotatePartnerSecret, SubmitPartner, SuspendPartner, UpdatePartner,
    },
    providers::pages::{environment_options, PolicySummary},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

/// A dialog with one text field and a confirm button, for approve / reject / decommission.
#[component]
fn ReasonDialog(
    id: &'static str,
    title: &'static str,
    open: RwSignal<bool>,
    #[prop(into)] description: String,
    field_id: &'static str,
    field_label: &'static str,
    field_name: &'static str,
    required: bool,
    confirm: &'static str,
    danger: bool,
    pending: Signal<bool>,
    errors: RwSignal<Vec<FieldError>>,
    general: RwSignal<Option<String>>,
    on_confirm: Callback<String>,
) -> impl IntoView {
    let value = RwSignal::new(String::new());
    view! {
        <Dialog id=id title=title open description=description>
            <form class="form-stack" novalidate=true on:submit=move |ev| {
                ev.prevent_default();
                on_confirm.run(value.get_untracked());
            }>
                <Show when=move || general.get().is_some()>
                    <Banner tone=Tone::Error>{move || general.get()}</Banner>
                </Show>
                <TextField id=field_id label=field_label name=field_name required=required autofocus=true value=value error=field_error(errors, field_name) />
                <div class="dialog-actions">
                    <button type="button" class="btn btn-secondary" on:click=move |_| open.set(false)>"Cancel"</button>
                    <button type="submit" class=if danger { "btn btn-danger" } else { "btn btn-primary" } disabled=move || pending.get()>{confirm}</button>
                </div>
            </form>
        </Dialog>
    }
}

/// `/integrations/partners/:id`.
#[component]
pub fn PartnerPage() -> impl IntoView {
    view! {
        <RequireSession allow=allowed><PartnerBody /></RequireSession>
    }
}

#[component]
fn CredentialsShownOnce(creds: IssuedCredentials, open: RwSignal<bool>) -> impl IntoView {
    let creds = StoredValue::new(creds);
    let copied = RwSignal::new(false);
    view! {
        <Dialog id="credentials-dialog" title="Client credentials" open description="Give these to the partner's tech lead over a secure channel.">
            <div class="form-stack">
                <Banner tone=Tone::Warning title="The client secret is shown once">
                    <p>"Gatehouse keeps only a hash of it. Copy it now; if it is lost, rotate the secret to issue a new one."</p>
                </Banner>
                <div class="field">
                    <label class="field-label" for="client-id">"Client ID"</label>
                    <input id="client-id" class="input code-input" readonly=true value=creds.with_value(|c| c.client_id.clone()) />
                </div>
                <div class="field">
                    <label class="field-label" for="client-secret">"Client secret"</label>
                    <div class="copy-row">
                        <input id="client-secret" class="input code-input grow" readonly=true value=creds.with_value(|c| c.client_secret.clone()) />
                        <button type="button" class="btn btn-secondary" on:click=move |_| { creds.with_value(|c| copy_to_clipboard(&c.client_secret)); copied.set(true); }>
                            {move || if copied.get() { "Copied" } else { "Copy secret" }}
                        </button>
                    </div>
                </div>
                <div class="field">
                    <label class="field-label" for="token-endpoint">"Token endpoint"</label>
                    <input id="token-endpoint" class="input code-input" readonly=true value=creds.with_value(|c| c.token_endpoint.clone()) />
                </div>
                <div class="dialog-actions">
                    <button type="button" class="btn btn-primary" on:click=move |_| open.set(false)>"I have stored the secret"</button>
                </div>
            </div>
        </Dialog>
    }
}

#[component]
fn EditPartnerDialog(
    open: RwSignal<bool>,
    partner: PartnerDetail,
    action: ServerAction<UpdatePartner>,
) -> impl IntoView {
    let environment = RwSignal::new(partner.environment.as_str().to_owned());
    let contacts = RwSignal::new(
        partner
            .contacts
            .iter()
            .map(|c| format!("{} <{}>", c.name, c.email))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let scopes = RwSignal::new(partner.scopes.iter().map(|s| s.scope).collect::<Vec<_>>());
    let fields = RwSignal::new(Vec::<FieldError>::new());
    let general = RwSignal::new(None::<String>);
    let env_options = environment_options(&partner.provider.environments);
    // The page closes the dialog on success (and then reloads, which rebuilds this dialog).
    on_new_result(action, |()| {}, move |e| apply_error(&e, fields, general));
    let id = partner.id;
    let catalogue = StoredValue::new(partner.scope_catalogue.clone());
    view! {
        <Dialog id="edit-partner-dialog" title="Edit configuration" open description="Changes are audited. New scopes on an approved partner need a new approval.">
            <form class="form-stack" novalidate=true on:submit=move |ev| {
                ev.prevent_default();
                action.dispatch(UpdatePartner {
                    id,
                    environment: environment.get_untracked(),
                    contacts: contacts.get_untracked(),
                    scopes: Some(scope_string(&scopes.get_untracked())),
                });
            }>
                <Show when=move || general.get().is_some()>
                    <Banner tone=Tone::Error>{move || general.get()}</Banner>
                </Show>
                <SelectField id="edit-environment" label="Environment" name="environment" value=environment options=env_options error=field_error(fields, "environment") required=true />
                <TextArea id="edit-contacts" label="Technical contacts" name="contacts" required=true hint="One per line: Name <email@example.org>" value=contacts error=field_error(fields, "contacts") />
                <ScopePicker catalogue=catalogue.get_value() selected=scopes error=field_error(fields, "scopes") />
                <div class="dialog-actions">
                    <button type="button" class="btn btn-secondary" on:click=move |_| open.set(false)>"Cancel"</button>
                    <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>"Save changes"</button>
                </div>
            </form>
        </Dialog>
    }
}

#[component]
fn PartnerBody() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|s| Uuid::parse_str(&s).ok())
    };
    let toast = use_toast();
    // Made here, before any Suspense: see `WebhookData`.
    let webhooks = crate::webhooks::pages::WebhookData::new(id);
    let submit = ServerAction::<SubmitPartner>::new();
    let approve = ServerAction::<ApprovePartner>::new();
    let reject = ServerAction::<RejectPartner>::new();
    let decommission = ServerAction::<DecommissionPartner>::new();
    let refresh_inv = ServerAction::<RefreshCredentialInvitation>::new();
    let suspend = ServerAction::<SuspendPartner>::new();
    let revoke_inv = ServerAction::<RevokeCredentialInvitation>::new();
    let update = ServerAction::<UpdatePartner>::new();
    let invite = ServerAction::<CreateCredentialInvitation>::new();
    let rotate = ServerAction::<RotatePartnerSecret>::new();
    let invite_open = RwSignal::new(false);
    // A new credential invitation counts once its dialog closes: reloading earlier would
    // rebuild the dialog and lose the link it shows.
    let invited = {
        let created = successes(invite);
        Memo::new(move |previous: Option<&usize>| {
            if invite_open.get() {
                previous.copied().unwrap_or(0)
            } else {
                created.get()
            }
        })
    };
    let changes = [
        successes(submit),
        successes(approve),
        successes(reject),
        successes(decommission),
        successes(refresh_inv),
        successes(suspend),
        successes(revoke_inv),
        successes(update),
        successes(rotate),
        invited,
    ];
    let partner = Resource::new(
        move || (id(), changes.map(|c| c.get())),
        |(id, _)| async move {
            match id {
                Some(id) => load_partner(id).await,
                None => Err(crate::error::AppError::NotFound(
                    "There is no such partner.".into(),
                )),
            }
        },
    );

    let page_error = RwSignal::new(None::<String>);
    let approve_open = RwSignal::new(false);
    let reject_open = RwSignal::new(false);
    let decommission_open = RwSignal::new(false);
    let creds_open = RwSignal::new(false);
    let creds = RwSignal::new(None::<IssuedCredentials>);
    let edit_open = RwSignal::new(false);
    let events_open = RwSignal::new(false);
    let events_target = RwSignal::new(None::<Uuid>);
    let (approve_errs, approve_general) = (RwSignal::new(Vec::new()), RwSignal::new(None));
    let (reject_errs, reject_general) = (RwSignal::new(Vec::new()), RwSignal::new(None));
    let (decom_errs, decom_general) = (RwSignal::new(Vec::new()), RwSignal::new(None));
    let rotate_error = RwSignal::new(None::<String>);

    let show_error = move |e: crate::error::AppError| page_error.set(Some(e.to_string()));
    on_action(
        submit.value(),
        move |()| {
            toast.show("Submitted for approval.");
        },
        show_error,
    );
    on_action(
        approve.value(),
        move |c| {
            approve_open.set(false);
            creds.set(Some(c));
            creds_open.set(true);
        },
        move |e| apply_error(&e, approve_errs, approve_general),
    );
    on_action(
        rotate.value(),
        move |r| {
            toast.show(format!(
                "New client secret issued. The previous one works until {}.",
                format_utc(r.previous_secret_expires_at)
            ));
            creds.set(Some(r.credentials));
            creds_open.set(true);
        },
        move |e| rotate_error.set(Some(e.to_string())),
    );
    on_action(
        reject.value(),
        move |()| {
            reject_open.set(false);
            toast.show("Partner rejected.");
        },
        move |e| apply_error(&e, reject_errs, reject_general),
    );
    on_action(
        decommission.value(),
        move |()| {
            decommission_open.set(false);
            toast.show("Partner decommissioned. Its credentials and tokens no longer work.");
        },
        move |e| apply_error(&e, decom_errs, decom_general),
    );
    on_action(
        suspend.value(),
        move |()| {
            toast.show("Partner status changed.");
        },
        show_error,
    );
    on_action(
        refresh_inv.value(),
        move |()| {
            toast.show("Invitation refreshed: the same link works again.");
        },
        show_error,
    );
    on_action(
        revoke_inv.value(),
        move |()| {
            toast.show("Invitation revoked: its link no longer works.");
        },
        show_error,
    );
    let on_revoke = Callback::new(move |inv: Uuid| {
        revoke_inv.dispatch(RevokeCredentialInvitation { id: inv });
    });
    let on_refresh = Callback::new(move |inv: Uuid| {
        refresh_inv.dispatch(RefreshCredentialInvitation { id: inv });
    });
    let on_events = Callback::new(move |inv: Uuid| {
        events_target.set(Some(inv));
        events_open.set(true);
    });
    on_action(update.value(), move |()| edit_open.set(false), |_| {});

    view! {
        <Title text="Partner" />
        <p class="mb-4"><a class="link" href="/integrations">"← Integrations"</a></p>
        <Show when=move || page_error.get().is_some()>
            <Banner tone=Tone::Error>{move || page_error.get()}</Banner>
        </Show>
        {move || creds.get().map(|c| view! { <CredentialsShownOnce creds=c open=creds_open /> })}
        <EventsDialog open=events_open target=events_target />
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match partner.await {
                    Ok(p) => {
                        let pid = p.id;
                        let status = p.status;
                        view! {
                            <Title text=p.name.clone() />
                            <div class="page-head">
                                <div>
                                    <h1 class="page-title">{p.name.clone()}</h1>
                                    <p class="page-subtitle">{format!("{} · {}", p.provider.name, p.environment.label())}</p>
                                </div>
                                <PartnerStatusBadge status=status degraded=p.degraded />
                            </div>
                            {p.decide_blocked_reason.clone().map(|r| view! { <Banner tone=Tone::Info>{r}</Banner> })}
                            <div class="flex flex-wrap gap-2 mt-4">
                                {p.can_submit.then(|| view! {
                                    <button type="button" class="btn btn-primary" disabled=move || submit.pending().get() on:click=move |_| { submit.dispatch(SubmitPartner { id: pid }); }>"Submit for approval"</button>
                                })}
                                {p.can_decide.then(|| view! {
                                    <button type="button" class="btn btn-primary" on:click=move |_| approve_open.set(true)>"Approve"</button>
                                    <button type="button" class="btn btn-danger-outline" on:click=move |_| reject_open.set(true)>"Reject"</button>
                                })}
                                {p.can_edit.then(|| view! {
                                    <button type="button" class="btn btn-secondary" on:click=move |_| edit_open.set(true)>"Edit configuration"</button>
                                })}
                                {p.can_suspend.then(|| view! {
                                    <button type="button" class="btn btn-secondary" disabled=move || suspend.pending().get() on:click=move |_| { suspend.dispatch(SuspendPartner { id: pid, suspend: true }); }>"Suspend"</button>
                                })}
                                {p.can_resume.then(|| view! {
                                    <button type="button" class="btn btn-primary" disabled=move || suspend.pending().get() on:click=move |_| { suspend.dispatch(SuspendPartner { id: pid, suspend: false }); }>"Resume"</button>
                                })}
                                {p.can_decommission.then(|| view! {
                                    <button type="button" class="btn btn-danger-outline" on:click=move |_| decommission_open.set(true)>"Decommission"</button>
                                })}
                            </div>
                            <EditPartnerDialog open=edit_open partner=p.clone() action=update />
                            <CredentialInviteDialog open=invite_open partner=p.clone() action=invite />
                            <ReasonDialog id="approve-dialog" title="Approve partner" open=approve_open
                                description="Approval issues client credentials. Record the policy document this approval rests on."
                                field_id="approve-document" field_label="Policy document ID" field_name="policy_document_id" required=true
                                confirm="Approve and issue credentials" danger=false pending=Signal::derive(move || approve.pending().get())
                                errors=approve_errs general=approve_general
                                on_confirm=Callback::new(move |doc: String| { approve.dispatch(ApprovePartner { id: pid, policy_document_id: doc }); }) />
                            <ReasonDialog id="reject-dialog" title="Reject partner" open=reject_open
                                description="The integration manager sees the reason and can resubmit."
                                field_id="reject-reason" field_label="Reason" field_name="reason" required=true
                                confirm="Reject" danger=true pending=Signal::derive(move || reject.pending().get())
                                errors=reject_errs general=reject_general
                                on_confirm=Callback::new(move |reason: String| { reject.dispatch(RejectPartner { id: pid, reason }); }) />
                            <ReasonDialog id="decommission-dialog" title="Decommission partner" open=decommission_open
                                description="Credentials and every access token stop working at once. This cannot be undone."
                                field_id="decommission-reason" field_label="Reason" field_name="reason" required=false
                                confirm="Decommission" danger=true pending=Signal::derive(move || decommission.pending().get())
                                errors=decom_errs general=decom_general
                                on_confirm=Callback::new(move |reason: String| { decommission.dispatch(DecommissionPartner { id: pid, reason: Some(reason) }); }) />
                            <section class="card mt-6" aria-labelledby="details-heading">
                                <h2 id="details-heading" class="section-title">"Details"</h2>
                                <dl class="facts">
                                    <div><dt>"Legal basis"</dt><dd>{p.legal_basis.clone()}</dd></div>
                                    <div><dt>"Data-sharing agreement"</dt><dd>{p.agreement_document_id.clone()}</dd></div>
                                    <div><dt>"Technical contacts"</dt><dd>{p.contacts.iter().map(|c| format!("{} <{}>", c.name, c.email)).collect::<Vec<_>>().join(", ")}</dd></div>
                                    <div><dt>"Registered by"</dt><dd>{p.created_by.clone()}</dd></div>
                                    {p.submitted_by.clone().map(|s| view! { <div><dt>"Submitted by"</dt><dd>{s}</dd></div> })}
                                    {p.decided_by.clone().map(|s| view! { <div><dt>"Decided by"</dt><dd>{s}</dd></div> })}
                                    {p.approval_policy_document_id.clone().map(|s| view! { <div><dt>"Policy document"</dt><dd>{s}</dd></div> })}
                                    {p.rejection_reason.clone().map(|s| view! { <div><dt>"Rejection reason"</dt><dd>{s}</dd></div> })}
                                    {p.client_id.clone().map(|s| view! { <div><dt>"Client ID"</dt><dd class="font-mono break-all">{s}</dd></div> })}
                                    <div><dt>"Last successful sync"</dt><dd>{p.last_successful_sync_at.map_or_else(|| "Never".to_owned(), format_utc)}</dd></div>
                                    <div><dt>"Scope violations"</dt><dd>{p.scope_violations.to_string()}</dd></div>
                                </dl>
                            </section>
                            {p.client_id.is_some().then(|| view! { <ClientSecretCard partner=p.clone() rotate error=rotate_error /> })}
                            {p.client_id.is_some().then(|| view! { <crate::webhooks::pages::WebhookSection data=webhooks /> })}
                            <section class="card mt-6" aria-labelledby="scopes-heading">
                                <h2 id="scopes-heading" class="section-title">"Scopes"</h2>
                                {p.scopes.is_empty().then(|| view! { <p class="field-hint">"No scopes yet."</p> })}
                                <ul class="scope-list">
                                    {p.scopes.iter().map(|s| view! {
                                        <li class="scope-item">
                                            <span class="scope-name">{s.name.clone()}</span>
                                            {s.personal_data.then(|| view! { <span class="badge badge-orange ml-2">"Personal data"</span> })}
                                            <span class="scope-description">{s.description.clone()}</span>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            </section>
                            <section class="card mt-6" aria-labelledby="provider-heading">
                                <h2 id="provider-heading" class="section-title">{format!("Provider: {}", p.provider.name)}</h2>
                                <PolicySummary provider=p.provider.clone() />
                            </section>
                            <section class="card mt-6" aria-labelledby="governance-heading">
                                <div class="section-head">
                                    <h2 id="governance-heading" class="section-title">"Credential governance"</h2>
                                    <div class="flex flex-wrap gap-2">
                                        <a class="btn btn-ghost" href=format!("/integrations/partners/{pid}/invite-events.jsonl") download="">"Export events (JSON lines)"</a>
                                        {p.can_invite_credentials.then(|| view! {
                                            <button type="button" class="btn btn-primary" on:click=move |_| invite_open.set(true)>"Invite tech lead"</button>
                                        })}
                                    </div>
                                </div>
                                {if p.credential_invitations.is_empty() {
                                    view! { <p class="field-hint">"No credential invitations yet."</p> }.into_any()
                                } else {
                                    view! {
                                        <div class="table-wrap">
                                            <table class="table">
                                                <caption class="sr-only">"Credential invitations, newest first"</caption>
                                                <thead><tr>
                                                    <th scope="col">"Tech lead"</th>
                                                    <th scope="col">"Status"</th>
                                                    <th scope="col" class="hide-sm">"Expiry"</th>
                                                    <th scope="col" class="hide-sm">"Rotation"</th>
                                                    <th scope="col"><span class="sr-only">"Actions"</span></th>
                                                </tr></thead>
                                                <tbody>
                                                    {p.credential_invitations.iter().cloned().map(|inv| view! { <InvitationRow inv on_refresh on_revoke on_events /> }).collect_view()}
                                                </tbody>
                                            </table>
                                        </div>
                                    }.into_any()
                                }}
                            </section>
                            <section class="card mt-6" aria-labelledby="audit-heading">
                                <h2 id="audit-heading" class="section-title">"Audit trail"</h2>
                                <ol class="timeline">
                                    {p.events.iter().map(|e| view! {
                                        <li class="timeline-item">
                                            <p class="timeline-action">{e.action.replace('_', " ")}</p>
                                            <p class="timeline-meta">{format!("{} · {}", format_utc(e.at), e.actor)}</p>
                                            {e.detail.clone().map(|d| view! { <p class="timeline-detail">{d}</p> })}
                                        </li>
                                    }).collect_view()}
                                </ol>
                            </section>
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorBanner error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
