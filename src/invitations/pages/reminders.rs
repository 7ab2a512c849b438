//! The invitations page's "Expiry reminders" card: the signed-in person's organisation sends
//! each invitee one reminder before their invitation expires, unless switched off here.

use crate::{
    components::{use_toast, Banner, Tone},
    invitations::api::{load_reminder_settings, ReminderSettings, SetReminders},
};
use leptos::prelude::*;

/// What the switch says, for the settings in force.
fn describe(s: &ReminderSettings) -> String {
    match s.hours_before {
        Some(h) => format!(
            "Email each invitee of {} one reminder {h} hours before their invitation expires, with the same link.",
            s.organisation
        ),
        None => "This Gatehouse sends no reminders (GATEHOUSE_REMINDER_HOURS is 0).".to_owned(),
    }
}

/// The card.
#[component]
pub fn ReminderSwitch() -> impl IntoView {
    let toast = use_toast();
    let set = ServerAction::<SetReminders>::new();
    let settings = Resource::new(|| (), |()| load_reminder_settings());
    let error = RwSignal::new(None::<String>);
    Effect::new(move |_| match set.value().get() {
        Some(Ok(s)) => {
            error.set(None);
            toast.show(if s.enabled {
                "Expiry reminders are on."
            } else {
                "Expiry reminders are off."
            });
        }
        Some(Err(e)) => error.set(Some(e.to_string())),
        None => {}
    });
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                settings.await.ok().map(|s| {
                    let checked = RwSignal::new(s.enabled);
                    let available = s.hours_before.is_some();
                    view! {
                        <section class="card mt-6" aria-labelledby="reminders-heading">
                            <h2 id="reminders-heading" class="section-title">"Expiry reminders"</h2>
                            <Show when=move || error.get().is_some()>
                                <Banner tone=Tone::Error>{move || error.get()}</Banner>
                            </Show>
                            <label class="checkbox-label">
                                <input type="checkbox" class="checkbox" disabled=!available
                                    prop:checked=move || checked.get()
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        checked.set(on);
                                        set.dispatch(SetReminders { enabled: on });
                                    } />
                                {describe(&s)}
                            </label>
                            {s.scope_all_organisations.then(|| view! {
                                <p class="field-hint">"This switch is your own organisation's; each organisation's admins set theirs."</p>
                            })}
                        </section>
                    }
                })
            })}
        </Suspense>
    }
}
