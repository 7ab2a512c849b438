#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for a bounded time (libFuzzer, AddressSanitizer) and
# fails on the first crash, panic or failed property. Usage: scripts/fuzz.sh [SECONDS]
# (default 20 per target). A crashing input is kept under fuzz/artifacts/<target>/; replay it
# with `cargo +nightly fuzz run --dev <target> fuzz/artifacts/<target>/<file>`.
# cargo fuzz needs nightly compiler flags: the machine's nightly toolchain when there is one,
# otherwise the stable compiler with RUSTC_BOOTSTRAP=1.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds=${1:-20}
export PATH="$HOME/.cargo/bin:$PATH"
unset RUSTFLAGS # cargo fuzz sets its own; the app's cfg flags do not apply to this build
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  fuzz=(cargo +nightly fuzz)
else
  export RUSTC_BOOTSTRAP=1
  fuzz=(cargo fuzz)
fi
# --dev: debug assertions and overflow checks on, and a much shorter build than --release.
"${fuzz[@]}" build --dev
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for target in $("${fuzz[@]}" list); do
  echo "==> fuzzing $target for ${seconds}s"
  # libFuzzer exits non-zero (and keeps the input under artifacts/) when something failed.
  if ! "${fuzz[@]}" run --dev "$target" -- -max_total_time="$seconds" >"$log" 2>&1; then
    grep -E 'panicked|==[0-9]+==ERROR|SUMMARY|Test unit written' "$log" >&2 || tail -n 30 "$log" >&2
    echo "fuzz target $target failed: see fuzz/artifacts/$target/" >&2
    exit 1
  fi
  grep -E '^Done' "$log"
done
