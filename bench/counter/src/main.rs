//! Only the wasm bundle of this app is measured; cargo-leptos still wants a server target.
fn main() {}
