#!/usr/bin/env bash
# Installs what building Gatehouse needs, skipping whatever is already there, so a warm
# machine pays nothing and a fresh one pays once. Usage: scripts/setup.sh [--e2e]
#   --e2e  also installs what the end-to-end tests need (Debian's chromium when root).
# Tools come from registries only (crates.io, npm, Debian): see shared/BUILD.md.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

export PATH="$HOME/.cargo/bin:$PATH"

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# cargo-leptos 0.3.10 is the newest that builds on rustc 1.95 (about 20 minutes, once).
if ! cargo leptos --version 2>/dev/null | grep -q '0\.3\.10'; then
  say "installing cargo-leptos 0.3.10 (about 20 minutes, once)"
  cargo install cargo-leptos --locked --version 0.3.10
fi

# wasm-bindgen-cli must equal the wasm-bindgen crate in Cargo.lock; cargo-leptos uses the one
# on PATH without checking, and cannot download one here.
want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q "$want"; then
  say "installing wasm-bindgen-cli $want (about 4 minutes, once)"
  cargo install wasm-bindgen-cli --version "$want"
fi

# Tailwind v4 (and Playwright for tests) from npm; cargo-leptos finds node_modules/.bin.
if [ ! -x node_modules/.bin/tailwindcss ] || [ package.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  # `npm install`, not `npm ci`: npm cannot write a lock file that `npm ci` accepts for
  # Tailwind's per-platform optional binaries; install still follows package-lock.json.
  npm install --no-audit --no-fund
fi

# cargo-fuzz 0.13 (about 3 minutes, once) for scripts/fuzz.sh.
if [ "${1:-}" = "--e2e" ] && ! cargo fuzz --version 2>/dev/null | grep -q '^cargo-fuzz 0\.13'; then
  say "installing cargo-fuzz 0.13 (about 3 minutes, once)"
  cargo install cargo-fuzz --locked --version '^0.13'
fi

# schemathesis from PyPI, for scripts/schemathesis.sh (the OpenAPI fuzzer).
if [ "${1:-}" = "--e2e" ] && ! python3 -m schemathesis.cli --version 2>/dev/null | grep -q '4\.32\.5'; then
  say "installing schemathesis"
  python3 -m pip install --quiet --disable-pip-version-check 'schemathesis==4.32.5'
fi

if [ "${1:-}" = "--e2e" ] && ! command -v chromium >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    say "installing Debian's chromium for the end-to-end tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "chromium is missing: install Debian's chromium package (apt-get install chromium)" >&2
    exit 1
  fi
fi
