#!/usr/bin/env bash
# G4 (issue 13): what the registration page makes a browser download (its JavaScript and wasm,
# gzip and brotli) in a release build, against a minimal Leptos 0.8 counter app
# (bench/counter) built in the same run by the same cargo-leptos pipeline and wasm profile.
# Also checks over HTTP that the page's bundle URLs are versioned, precompressed and cached
# for a year. Not part of the test command.
#
# Usage: bench/bundle_size.sh [--no-build]   (--no-build: measure the builds that are there)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/db.sh
. scripts/db.sh
if [ "${1:-}" != "--no-build" ]; then
  scripts/release.sh >&2
  # The counter shares the target directory: the crates both build alike are built once.
  (cd bench/counter && unset RUSTFLAGS && CARGO_TARGET_DIR="$(pwd)/../../target" \
     PATH="$(pwd)/../../node_modules/.bin:$PATH" cargo leptos build --release --precompress >&2)
fi
# shellcheck source=bench/release_server.sh
. bench/release_server.sh
bench_release_server gatehouse_bench_bundle
# The first start prints the bootstrap admin's registration link: the page to measure.
link=$register
# Every script and wasm module the page has the browser fetch until it is live (for a page
# that hydrates, in a split build: the main module, the chunk loader, and the chunks of the
# page's lazy route), recorded in Chromium.
pages() { node bench/page_downloads.mjs "$@"; }
# The page's inline scripts count too (`inline RAW GZIP BROTLI`, see page_downloads.mjs): the
# registration page is served without the app, its page script inline.
mapfile -t listed < <(pages "$link")
files=(); inline=(0 0 0)
for line in "${listed[@]}"; do
  case $line in inline\ *) read -r -a inline <<<"${line#inline }" ;; ?*) files+=("$line") ;; esac
done
echo "registration page loads: ${files[*]:-no script or wasm file}; inline scripts ${inline[0]} bytes"
fetch() { curl -fsS -o /dev/null -w '%{size_download}' -H "Accept-Encoding: $2" "http://127.0.0.1:$port$1"; }
total() { local n=$2 f; for f in "${files[@]}"; do n=$((n + $(fetch "$f" "$1"))); done; echo "$n"; }
# The other public pages, for context: what their visitors download (brotli). The sign-in
# page's wasm is the one whose headers are checked.
wasm=
for other in /login /join; do
  mapfile -t others < <(pages "http://127.0.0.1:$port$other" | grep -v '^inline ')
  n=0; for f in "${others[@]}"; do n=$((n + $(fetch "$f" br))); done
  echo "$other loads ${#others[@]} files, $((n / 1024)) KiB brotli"
  [ -n "$wasm" ] || wasm=$(printf '%s\n' "${others[@]}" | grep '/gatehouse[^/]*\.wasm$' | head -n 1)
done
headers=$(curl -fsS -o /dev/null -D - -H "Accept-Encoding: br" "http://127.0.0.1:$port$wasm")
grep -qi '^content-encoding: br' <<<"$headers" || { echo "the wasm is not served with brotli" >&2; exit 1; }
grep -qi '^cache-control: public, max-age=31536000, immutable' <<<"$headers" || { echo "the wasm is not cached for a year" >&2; exit 1; }
size() { stat -c %s "$1"; }
c=bench/counter/target/site/pkg
# The whole bundle (every chunk, what the admin pages load between them), gzip, for context.
all_gz=0
for f in target/site/pkg/*.js.gz target/site/pkg/*.wasm.gz; do all_gz=$((all_gz + $(size "$f"))); done
python3 - "$(total identity "${inline[0]}")" 0 "$(total gzip "${inline[1]}")" 0 "$(total br "${inline[2]}")" 0 \
  "$(size $c/counter.js)" "$(size $c/counter.wasm)" "$(size $c/counter.js.gz)" "$(size $c/counter.wasm.gz)" \
  "$(size $c/counter.js.br)" "$(size $c/counter.wasm.br)" "$all_gz" <<'PY'
import sys
(g_js, g_wasm, g_js_gz, g_wasm_gz, g_js_br, g_wasm_br, c_js, c_wasm, c_js_gz, c_wasm_gz, c_js_br,
 c_wasm_br, all_gz) = map(int, sys.argv[1:])
kb = lambda n: f"{n / 1024:,.0f} KiB"
print()
print("| JS + wasm of the page, inline scripts included | Gatehouse /register | counter app | ratio | verdict (G4: ≤ 1.3×, gzip) |")
print("| --- | --- | --- | --- | --- |")
for name, g, c, judged in (("uncompressed", g_js + g_wasm, c_js + c_wasm, False),
                           ("gzip", g_js_gz + g_wasm_gz, c_js_gz + c_wasm_gz, True),
                           ("brotli (what browsers get)", g_js_br + g_wasm_br, c_js_br + c_wasm_br, False)):
    verdict = ("pass" if g / c <= 1.3 else "falls short") if judged else ""
    print(f"| {name} | {kb(g)} | {kb(c)} | {g / c:.2f}× | {verdict} |")
print()
print(f"The whole bundle, every chunk (gzip): {kb(all_gz)}")
print()
print("Reproduce with: bench/bundle_size.sh")
PY
