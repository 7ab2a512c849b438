//! How a provider shows on the Integrations pages: its policy summary, the missing-metadata
//! warning, and the dialog in which platform admins add and edit providers.

use super::api::{ProviderDto, SaveProvider};
use crate::{
    components::{
        apply_error, field_error, on_new_result, Banner, Dialog, TextArea, TextField, Tone,
    },
    domain::IntegrationEnvironment,
    error::FieldError,
};
use leptos::prelude::*;

/// The warning shown wherever a provider lacks policy metadata.
#[component]
pub fn ProviderWarning(provider: ProviderDto) -> impl IntoView {
    let missing = provider.missing_metadata();
    (!missing.is_empty()).then(|| {
        view! {
            <Banner tone=Tone::Warning title=format!("{} is missing policy information", provider.name)>
                <p>{format!("Missing: {}. Ask a platform admin to complete the provider before sharing credentials.", missing.join(", "))}</p>
            </Banner>
        }
    })
}

fn external_link(url: String) -> AnyView {
    let href = url.clone();
    view! { <a class="link break-all" href=href rel="noopener noreferrer" target="_blank">{url}</a> }
        .into_any()
}

/// Security policy, runbook and escalation contact of a provider, with the warning banner.
#[component]
pub fn PolicySummary(provider: ProviderDto) -> impl IntoView {
    let p = provider.clone();
    view! {
        <ProviderWarning provider=provider />
        <dl class="facts">
            <div>
                <dt>"Security policy"</dt>
                <dd>{match p.security_policy_url.clone() {
                    Some(u) => external_link(u),
                    None => view! { <span class="text-missing">"Not provided"</span> }.into_any(),
                }}</dd>
            </div>
            <div>
                <dt>"Runbook"</dt>
                <dd>{match p.runbook_url.clone() {
                    Some(u) => external_link(u),
                    None => view! { <span class="text-missing">"Not provided"</span> }.into_any(),
                }}</dd>
            </div>
            <div>
                <dt>"Escalation contact"</dt>
                <dd>{match p.escalation_email.clone() {
                    Some(e) => {
                        let href = format!("mailto:{e}");
                        view! { <a class="link" href=href>{e}</a> }.into_any()
                    }
                    None => view! { <span class="text-missing">"Not provided"</span> }.into_any(),
                }}</dd>
            </div>
            <div>
                <dt>"Key requirements"</dt>
                <dd>{format!("At least {} characters and {} bits of estimated strength", p.min_key_length, p.min_entropy_bits)}</dd>
            </div>
            <div>
                <dt>"Rotation"</dt>
                <dd>{format!("Every {} days", p.rotation_days)}</dd>
            </div>
        </dl>
    }
}

/// (value, label) options of a select for `envs`.
pub fn environment_options(envs: &[IntegrationEnvironment]) -> Signal<Vec<(String, String)>> {
    Signal::stored(
        envs.iter()
            .map(|e| (e.as_str().to_owned(), e.label().to_owned()))
            .collect(),
    )
}

#[component]
pub fn ProviderDialog(
    open: RwSignal<bool>,
    editing: RwSignal<Option<ProviderDto>>,
    action: ServerAction<SaveProvider>,
    on_saved: Callback<String>,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let sandbox = RwSignal::new(true);
    let production = RwSignal::new(true);
    let policy = RwSignal::new(String::new());
    let runbook = RwSignal::new(String::new());
    let escalation = RwSignal::new(String::new());
    let min_len = RwSignal::new("32".to_owned());
    let min_bits = RwSignal::new("128".to_owned());
    let rotation = RwSignal::new("90".to_owned());
    let fields = RwSignal::new(Vec::<FieldError>::new());
    let general = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if open.get() {
            let p = editing.get_untracked();
            name.set(p.as_ref().map(|p| p.name.clone()).unwrap_or_default());
            description.set(
                p.as_ref()
                    .map(|p| p.description.clone())
                    .unwrap_or_default(),
            );
            sandbox.set(
                p.as_ref()
                    .is_none_or(|p| p.environments.contains(&IntegrationEnvironment::Sandbox)),
            );
            production.set(
                p.as_ref()
                    .is_none_or(|p| p.environments.contains(&IntegrationEnvironment::Production)),
            );
            policy.set(
                p.as_ref()
                    .and_then(|p| p.security_policy_url.clone())
                    .unwrap_or_default(),
            );
            runbook.set(
                p.as_ref()
                    .and_then(|p| p.runbook_url.clone())
                    .unwrap_or_default(),
            );
            escalation.set(
                p.as_ref()
                    .and_then(|p| p.escalation_email.clone())
                    .unwrap_or_default(),
            );
            min_len.set(p.as_ref().map_or(32, |p| p.min_key_length).to_string());
            min_bits.set(p.as_ref().map_or(128, |p| p.min_entropy_bits).to_string());
            rotation.set(p.as_ref().map_or(90, |p| p.rotation_days).to_string());
            fields.set(Vec::new());
            general.set(None);
        }
    });
    on_new_result(
        action,
        move |_| {
            open.set(false);
            on_saved.run(name.get_untracked());
        },
        move |e| apply_error(&e, fields, general),
    );
    Effect::new(move |_| {
        for text in [
            name,
            description,
            policy,
            runbook,
            escalation,
            min_len,
            min_bits,
            rotation,
        ] {
            text.track();
        }
        sandbox.track();
        production.track();
        fields.set(Vec::new());
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(SaveProvider {
            id: editing.get_untracked().map(|p| p.id.to_string()),
            name: name.get_untracked(),
            description: Some(description.get_untracked()),
            sandbox: sandbox.get_untracked().then(|| "on".to_owned()),
            production: production.get_untracked().then(|| "on".to_owned()),
            security_policy_url: Some(policy.get_untracked()),
            runbook_url: Some(runbook.get_untracked()),
            escalation_email: Some(escalation.get_untracked()),
            min_key_length: Some(min_len.get_untracked()),
            min_entropy_bits: Some(min_bits.get_untracked()),
            rotation_days: Some(rotation.get_untracked()),
        });
    };
    view! {
        <Dialog id="provider-dialog" title="Provider" open description="Partners see this information on their credential page.">
            <form class="form-stack" novalidate=true on:submit=submit>
                <Show when=move || general.get().is_some()>
                    <Banner tone=Tone::Error>{move || general.get()}</Banner>
                </Show>
                <TextField id="provider-name" label="Name" name="name" required=true autofocus=true value=name error=field_error(fields, "name") />
                <TextArea id="provider-description" label="Description" name="description" value=description error=field_error(fields, "description") />
                <fieldset class="field" aria-describedby="provider-env-error">
                    <legend class="field-label">"Environments"</legend>
                    <div class="flex gap-6">
                        <label class="checkbox-label"><input type="checkbox" class="checkbox" prop:checked=move || sandbox.get() on:change=move |ev| sandbox.set(event_target_checked(&ev)) />"Sandbox"</label>
                        <label class="checkbox-label"><input type="checkbox" class="checkbox" prop:checked=move || production.get() on:change=move |ev| production.set(event_target_checked(&ev)) />"Production"</label>
                    </div>
                    <p id="provider-env-error" class="field-error" aria-live="polite">{move || field_error(fields, "environments").get()}</p>
                </fieldset>
                <TextField id="provider-policy" label="Security policy URL" name="security_policy_url" input_type="url" hint="https://…" value=policy error=field_error(fields, "security_policy_url") />
                <TextField id="provider-runbook" label="Runbook URL" name="runbook_url" input_type="url" hint="https://…" value=runbook error=field_error(fields, "runbook_url") />
                <TextField id="provider-escalation" label="Escalation email" name="escalation_email" input_type="email" value=escalation error=field_error(fields, "escalation_email") />
                <div class="grid-2">
                    <TextField id="provider-min-length" label="Minimum key length" name="min_key_length" input_type="number" hint="Characters, 16 to 512" value=min_len error=field_error(fields, "min_key_length") />
                    <TextField id="provider-min-bits" label="Minimum key strength" name="min_entropy_bits" input_type="number" hint="Bits, 64 to 1024" value=min_bits error=field_error(fields, "min_entropy_bits") />
                </div>
                <TextField id="provider-rotation" label="Rotation interval" name="rotation_days" input_type="number" hint="Days, 1 to 730" value=rotation error=field_error(fields, "rotation_days") />
                <div class="dialog-actions">
                    <button type="button" class="btn btn-secondary" on:click=move |_| open.set(false)>"Cancel"</button>
                    <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>"Save provider"</button>
                </div>
            </form>
        </Dialog>
    }
}
