//! The credential-invitation parts of the partner page: the "Invite tech lead" dialog, one row
//! per invitation, and its analytics events.

use super::api::{
    credential_invitation_events, CreateCredentialInvitation, CredentialInvitationDto,
};
use crate::{
    auth::keystore::copy_to_clipboard,
    components::{
        apply_error, field_error, format_utc, on_new_result, Banner, Dialog, ErrorBanner,
        SelectField, TextField, Tone,
    },
    error::FieldError,
    partners::dto::PartnerDetail,
    providers::pages::{environment_options, PolicySummary},
};
use leptos::prelude::*;
use uuid::Uuid;

#[component]
pub fn InvitationRow(
    inv: CredentialInvitationDto,
    on_refresh: Callback<Uuid>,
    on_revoke: Callback<Uuid>,
    on_events: Callback<Uuid>,
) -> impl IntoView {
    let id = inv.id;
    let badge = match inv.status.as_str() {
        "accepted" => "badge badge-green",
        "expired" => "badge badge-orange",
        "revoked" => "badge badge-red",
        _ => "badge badge-blue",
    };
    let status_label = match inv.status.as_str() {
        "accepted" => "Accepted",
        "expired" => "Expired",
        "revoked" => "Revoked",
        _ => "Pending",
    };
    let rotation = match (inv.rotation_days, inv.rotation_due_at) {
        (Some(days), Some(due)) => format!("Every {days} days · due {}", format_utc(due)),
        _ => "—".to_owned(),
    };
    view! {
        <tr>
            <td>
                <p class="cell-primary">{inv.recipient_email.clone()}</p>
                <p class="cell-secondary">{inv.environment.label()}{inv.api_key_id.clone().map(|k| format!(" · key ID {k}"))}</p>
                <p class="cell-secondary md:hidden">{rotation.clone()}</p>
            </td>
            <td><span class=badge>{status_label}</span></td>
            <td class="cell-secondary hide-sm">{if inv.status == "accepted" { inv.accepted_at.map(|a| format!("Accepted {}", format_utc(a))).unwrap_or_default() } else { format!("Expires {}", format_utc(inv.expires_at)) }}</td>
            <td class="cell-secondary hide-sm">{rotation}</td>
            <td>
                <div class="row-actions">
                    {inv.can_refresh.then(|| view! {
                        <button type="button" class="btn btn-secondary btn-sm" aria-label=format!("Refresh invitation for {}", inv.recipient_email) on:click=move |_| on_refresh.run(id)>"Refresh invitation"</button>
                        <button type="button" class="btn btn-danger-outline btn-sm" aria-label=format!("Revoke invitation for {}", inv.recipient_email) on:click=move |_| on_revoke.run(id)>"Revoke"</button>
                    })}
                    <button type="button" class="btn btn-ghost btn-sm" aria-label=format!("Events of the invitation for {}", inv.recipient_email) on:click=move |_| on_events.run(id)>"Events"</button>
                </div>
            </td>
        </tr>
    }
}

#[component]
pub fn EventsDialog(open: RwSignal<bool>, target: RwSignal<Option<Uuid>>) -> impl IntoView {
    let events = Resource::new(
        move || target.get(),
        |id| async move {
            match id {
                Some(id) => credential_invitation_events(id).await.map(Some),
                None => Ok(None),
            }
        },
    );
    view! {
        <Dialog id="invite-events-dialog" title="Invitation events" open>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match events.await {
                        Ok(Some(list)) => view! {
                            <ol class="timeline">
                                {list.into_iter().map(|e| view! {
                                    <li class="timeline-item">
                                        <p class="timeline-action">{e.event.replace('_', " ")}</p>
                                        <p class="timeline-meta">
                                            {format_utc(e.at)}
                                            {e.reason_code.map(|r| format!(" · reason {r}"))}
                                            {e.elapsed_ms.map(|ms| format!(" · {:.1} s after first view", ms as f64 / 1000.0))}
                                        </p>
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
pub fn CredentialInviteDialog(
    open: RwSignal<bool>,
    partner: PartnerDetail,
    action: ServerAction<CreateCredentialInvitation>,
) -> impl IntoView {
    let email = RwSignal::new(
        partner
            .contacts
            .first()
            .map(|c| c.email.clone())
            .unwrap_or_default(),
    );
    let environment = RwSignal::new(partner.environment.as_str().to_owned());
    let fields = RwSignal::new(Vec::<FieldError>::new());
    let general = RwSignal::new(None::<String>);
    let link = RwSignal::new(None::<String>);
    let env_options = environment_options(&partner.provider.environments);
    on_new_result(
        action,
        move |c| link.set(Some(c.link)),
        move |e| apply_error(&e, fields, general),
    );
    // The page reloads its data only once the dialog closes (it counts a new invitation then):
    // reloading earlier would rebuild this dialog and lose the link it shows.
    Effect::new(move |_| {
        if !open.get() {
            link.set(None);
        }
    });
    let partner_id = partner.id;
    let provider = StoredValue::new(partner.provider.clone());
    let copied = RwSignal::new(false);
    view! {
        <Dialog id="credential-invite-dialog" title="Invite tech lead" open description="The tech lead gets a single-use link to submit the API key and secret.">
            {move || match link.get() {
                Some(l) => {
                    let copy = l.clone();
                    view! {
                        <div class="form-stack">
                            <Banner tone=Tone::Success>"Credential invitation sent."</Banner>
                            <div class="field">
                                <label class="field-label" for="credential-link">"Invitation link"</label>
                                <div class="copy-row">
                                    <input id="credential-link" class="input code-input grow" readonly=true value=l />
                                    <button type="button" class="btn btn-secondary" on:click=move |_| { copy_to_clipboard(&copy); copied.set(true); }>
                                        {move || if copied.get() { "Copied" } else { "Copy link" }}
                                    </button>
                                </div>
                            </div>
                            <div class="dialog-actions">
                                <button type="button" class="btn btn-primary" on:click=move |_| open.set(false)>"Done"</button>
                            </div>
                        </div>
                    }.into_any()
                }
                None => view! {
                    <form class="form-stack" novalidate=true on:submit=move |ev| {
                        ev.prevent_default();
                        action.dispatch(CreateCredentialInvitation {
                            partner_id,
                            recipient_email: email.get_untracked(),
                            environment: environment.get_untracked(),
                        });
                    }>
                        <Show when=move || general.get().is_some()>
                            <Banner tone=Tone::Error>{move || general.get()}</Banner>
                        </Show>
                        <h3 class="section-title">{format!("Confirm {} metadata", provider.with_value(|p| p.name.clone()))}</h3>
                        <PolicySummary provider=provider.get_value() />
                        <TextField id="credential-email" label="Tech lead's email" name="recipient_email" input_type="email" required=true autofocus=true value=email error=field_error(fields, "recipient_email") />
                        <SelectField id="credential-environment" label="Environment" name="environment" value=environment options=env_options error=field_error(fields, "environment") required=true />
                        <div class="dialog-actions">
                            <button type="button" class="btn btn-secondary" on:click=move |_| open.set(false)>"Cancel"</button>
                            <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>"Send invitation"</button>
                        </div>
                    </form>
                }.into_any(),
            }}
        </Dialog>
    }
}
