//! The "page not found" view: the route table's fallback, and what a page shows for a
//! resource that does not exist here.

use super::{Banner, Tone};
use leptos::prelude::*;
use leptos_meta::Title;

/// 404 for any path without a page.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(opts) = use_context::<leptos_axum::ResponseOptions>() {
        opts.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found" />
        <main id="main" class="page-narrow">
            <h1 class="page-title">"Page not found"</h1>
            <Banner tone=Tone::Info>"There is nothing at this address. Check the link, or go to the sign-in page."</Banner>
            <p class="mt-6"><a class="link" href="/login">"Go to sign in"</a></p>
        </main>
    }
}
