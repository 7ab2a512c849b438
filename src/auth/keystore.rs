//! The browser's copy of a member's key pair.
//!
//! The seed comes from `crypto.getRandomValues` (the browser's CSPRNG) and is kept in this
//! origin's `localStorage` as a [`KeyBackup`] document, so "Sign in with key" works on the same
//! device. It is never sent anywhere. On the server these functions do nothing.

use crate::domain::{KeyBackup, KeyPair};

const STORAGE_KEY: &str = "gatehouse.key";

/// A new key pair from the browser's CSPRNG; `None` on the server or if the browser has no
/// Web Crypto.
pub fn generate() -> Option<KeyPair> {
    #[cfg(feature = "hydrate")]
    {
        let crypto = web_sys::window()?.crypto().ok()?;
        let mut seed = [0u8; 32];
        crypto.get_random_values_with_u8_array(&mut seed).ok()?;
        Some(KeyPair::from_seed(seed))
    }
    #[cfg(not(feature = "hydrate"))]
    None
}

#[cfg(feature = "hydrate")]
fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Keeps `pair` on this device. Returns whether it was stored.
pub fn remember(pair: &KeyPair) -> bool {
    #[cfg(feature = "hydrate")]
    {
        storage()
            .and_then(|s| s.set_item(STORAGE_KEY, &pair.backup().to_json()).ok())
            .is_some()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (pair, STORAGE_KEY);
        false
    }
}

/// The key pair kept on this device, if any (and if it is intact).
pub fn remembered() -> Option<KeyPair> {
    #[cfg(feature = "hydrate")]
    {
        let json = storage()?.get_item(STORAGE_KEY).ok()??;
        KeyBackup::restore(&json).ok()
    }
    #[cfg(not(feature = "hydrate"))]
    None
}

/// Removes the key pair from this device.
pub fn forget() {
    #[cfg(feature = "hydrate")]
    if let Some(s) = storage() {
        let _ = s.remove_item(STORAGE_KEY);
    }
}

/// A `data:` URL of the backup file, for a download link.
pub fn backup_data_url(backup: &KeyBackup) -> String {
    crate::components::data_url("application/json", &backup.to_json())
}

/// Copies `text` to the clipboard (browser only; best effort).
pub fn copy_to_clipboard(text: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(w) = web_sys::window() {
        let _ = w.navigator().clipboard().write_text(text);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = text;
}
