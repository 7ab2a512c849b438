//! The partner page's "Client secret" card: when the current secret was made and when it is
//! due for rotation (the provider's policy, spec 001: 90 days by default), the previous secret
//! while its overlap lasts, and "Rotate secret" behind a confirmation.

use crate::{
    components::{format_utc, Banner, Dialog, Tone},
    partners::api::{PartnerDetail, RotatePartnerSecret},
};
use leptos::prelude::*;

/// Seconds in a day.
const DAY: i64 = 86_400;
/// A rotation due within this many days shows as "due soon" (the first reminder goes out then).
pub(super) const DUE_SOON_DAYS: i64 = 14;

/// Where a secret stands against its rotation due date at `now` (Unix seconds): badge class
/// and label.
pub(super) fn rotation_badge(due_at: i64, now: i64) -> (&'static str, &'static str) {
    if due_at <= now {
        ("badge badge-red", "Overdue")
    } else if due_at - now <= DUE_SOON_DAYS * DAY {
        ("badge badge-orange", "Due soon")
    } else {
        ("badge badge-green", "Current")
    }
}

/// The card. The badge is judged against the server's clock when the page was loaded
/// (`partner.now`), so the server and the browser render the same one.
#[component]
pub(super) fn ClientSecretCard(
    partner: PartnerDetail,
    rotate: ServerAction<RotatePartnerSecret>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let confirm_open = RwSignal::new(false);
    let pid = partner.id;
    let created = partner.secret_created_at;
    let due = partner.secret_rotation_due_at;
    // Close the confirmation once the new secret is in (the page shows it); an error stays
    // in the dialog.
    Effect::new(move |_| {
        if matches!(rotate.value().get(), Some(Ok(_))) {
            confirm_open.set(false);
        }
    });
    view! {
        <section class="card mt-6" aria-labelledby="secret-heading">
            <div class="section-head">
                <h2 id="secret-heading" class="section-title">"Client secret"</h2>
                {partner.can_rotate_secret.then(|| view! {
                    <button type="button" class="btn btn-secondary" on:click=move |_| { error.set(None); confirm_open.set(true); }>"Rotate secret"</button>
                })}
            </div>
            <dl class="facts">
                <div><dt>"Current secret made"</dt><dd>{created.map_or_else(|| "No secret issued".to_owned(), format_utc)}</dd></div>
                {due.map(|d| {
                    let (class, label) = rotation_badge(d, partner.now);
                    view! {
                        <div><dt>"Rotation due"</dt><dd>{format_utc(d)}" "<span class=class>{label}</span></dd></div>
                    }
                })}
                <div><dt>"Rotation policy"</dt><dd>{format!("Every {} days ({})", partner.provider.rotation_days, partner.provider.name)}</dd></div>
                {partner.previous_secret_expires_at.map(|end| view! {
                    <div><dt>"Previous secret"</dt><dd>{format!(
                        "Made {}; works until {}",
                        partner.previous_secret_created_at.map_or_else(|| "earlier".to_owned(), format_utc),
                        format_utc(end)
                    )}</dd></div>
                })}
            </dl>
            <Dialog id="rotate-dialog" title="Rotate client secret" open=confirm_open description="A new secret is issued and shown once. The current one keeps working for the overlap window, so the partner can switch without downtime.">
                <div class="form-stack">
                    <Show when=move || error.get().is_some()>
                        <Banner tone=Tone::Error>{move || error.get()}</Banner>
                    </Show>
                    <div class="dialog-actions">
                        <button type="button" class="btn btn-secondary" on:click=move |_| confirm_open.set(false)>"Cancel"</button>
                        <button type="button" class="btn btn-primary" autofocus=true disabled=move || rotate.pending().get()
                            on:click=move |_| { rotate.dispatch(RotatePartnerSecret { id: pid }); }>"Issue new secret"</button>
                    </div>
                </div>
            </Dialog>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn badges_follow_the_due_date() {
        let now = 1_000 * DAY;
        assert_eq!(rotation_badge(now - 1, now).1, "Overdue");
        assert_eq!(rotation_badge(now, now).1, "Overdue");
        assert_eq!(rotation_badge(now + 14 * DAY, now).1, "Due soon");
        assert_eq!(rotation_badge(now + 15 * DAY, now).1, "Current");
    }
}
