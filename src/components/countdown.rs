use leptos::prelude::*;

/// Remaining time as words: "6 days, 23 hours, 59 minutes", with seconds under an hour,
/// "Expired" at zero or below. The page script of pages served without the browser app
/// (`src/app/page_script.js`, `remaining`) words it the same; a Playwright story checks both.
pub fn format_remaining(secs: i64) -> String {
    if secs <= 0 {
        return "Expired".into();
    }
    let (d, h, m, s) = (
        secs / 86_400,
        (secs % 86_400) / 3600,
        (secs % 3600) / 60,
        secs % 60,
    );
    let unit = |n: i64, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
    let mut parts = Vec::new();
    if d > 0 {
        parts.push(unit(d, "day"));
    }
    if d > 0 || h > 0 {
        parts.push(unit(h, "hour"));
    }
    parts.push(unit(m, "minute"));
    if d == 0 && h == 0 {
        parts.push(unit(s, "second"));
    }
    parts.join(", ")
}

/// A live countdown to `expires_at` (Unix seconds, UTC). The server renders the remaining time
/// from its own clock (`server_now`); after hydration, or on a page served without the app
/// through the page script and the timer's `data-remaining` (seconds), it ticks every second
/// using the browser's monotonic clock, so a wrong device clock does not matter.
///
/// Accessibility: `role="timer"` (implicitly `aria-live="off"`, so screen readers are not
/// interrupted every second) with a visually hidden sentence giving the exact expiry.
#[component]
pub fn Countdown(
    expires_at: i64,
    server_now: i64,
    #[prop(into)] expires_text: String,
    /// What the countdown counts to; defaults to "Time left to register".
    #[prop(optional, into)]
    label: Option<String>,
) -> impl IntoView {
    let label = label.unwrap_or_else(|| "Time left to register".to_owned());
    let remaining = RwSignal::new(expires_at - server_now);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let start = window().performance().map(|p| p.now()).unwrap_or(0.0);
        let initial = expires_at - server_now;
        if let Ok(handle) = set_interval_with_handle(
            move || {
                let now = window().performance().map(|p| p.now()).unwrap_or(start);
                let elapsed = ((now - start) / 1000.0).floor() as i64;
                remaining.set(initial - elapsed);
            },
            std::time::Duration::from_secs(1),
        ) {
            on_cleanup(move || handle.clear());
        }
    });
    view! {
        <div class="countdown">
            <p class="countdown-label">{label}</p>
            <p
                class="countdown-value"
                class:countdown-urgent=move || remaining.get() < 3600
                role="timer"
                aria-atomic="true"
                // For pages served without the browser app, whose page script ticks instead.
                data-remaining=(expires_at - server_now).to_string()
            >
                {move || format_remaining(remaining.get())}
            </p>
            <p class="sr-only">{format!("This link expires on {expires_text}.")}</p>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::format_remaining;

    #[test]
    fn remaining_time_reads_naturally() {
        assert_eq!(format_remaining(0), "Expired");
        assert_eq!(format_remaining(59), "0 minutes, 59 seconds");
        assert_eq!(format_remaining(3600), "1 hour, 0 minutes");
        assert_eq!(
            format_remaining(7 * 86_400 - 1),
            "6 days, 23 hours, 59 minutes"
        );
        assert_eq!(format_remaining(86_400 + 61), "1 day, 0 hours, 1 minute");
    }
}
