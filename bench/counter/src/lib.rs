//! A counter: the smallest hydrated Leptos 0.8 page, G4's baseline.
use leptos::prelude::*;

/// One button that counts its clicks.
#[component]
pub fn App() -> impl IntoView {
    let (count, set_count) = signal(0);
    view! {
        <button on:click=move |_| set_count.update(|n| *n += 1)>"Clicked " {count} " times"</button>
    }
}

/// The browser's entry point.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    leptos::mount::hydrate_body(App);
}
