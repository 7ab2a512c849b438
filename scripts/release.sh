#!/usr/bin/env bash
# Makes the release build to deploy: the server binary target/release/gatehouse and the site
# it serves, target/site (the wasm optimised by wasm-opt, every bundle file precompressed
# with brotli and gzip beside it). Installs what is missing first (scripts/setup.sh; wasm-opt
# comes from npm's binaryen package, which cargo-leptos finds in node_modules/.bin).
#
# Deploy both: run the binary with LEPTOS_SITE_ROOT pointing at the copied site directory
# (see README.md, "Release build").
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# Release builds are made without the compile-time `erase_components` flag of the tests.
# --split: the lazy routes' code in wasm chunks of their own (README.md, "Release build").
unset RUSTFLAGS
cargo leptos build --release --precompress --split
echo "==> release build: target/release/gatehouse and target/site/"
ls -l target/release/gatehouse target/site/pkg
