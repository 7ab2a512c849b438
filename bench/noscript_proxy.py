"""G8's baseline for bench/lighthouse.sh: serves Gatehouse's pages without their scripts.

Listens on 127.0.0.1:PORT and forwards every GET to UPSTREAM; in HTML answers it removes the
<script> elements and the module and wasm preloads, so the page is exactly what the server
rendered, with its stylesheet and nothing to download or run after it.

Usage: python3 bench/noscript_proxy.py PORT UPSTREAM
"""

import http.server
import re
import sys
import urllib.error
import urllib.request

PORT, UPSTREAM = int(sys.argv[1]), sys.argv[2].rstrip("/")
SCRIPT = re.compile(rb"<script\b.*?</script>", re.S)
PRELOAD = re.compile(rb'<link rel="(?:modulepreload|preload)"[^>]*>')


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        try:
            with urllib.request.urlopen(UPSTREAM + self.path) as r:
                status, headers, body = r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            status, headers, body = e.code, e.headers, e.read()
        if headers.get("Content-Type", "").startswith("text/html"):
            body = PRELOAD.sub(b"", SCRIPT.sub(b"", body))
        self.send_response(status)
        for name in ("Content-Type", "Cache-Control"):
            if headers.get(name):
                self.send_header(name, headers[name])
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
