// Which scripts and wasm modules a page makes the browser fetch until it is live: opens each
// URL given in Debian's Chromium, waits for `<body data-hydrated="true">` (set once the app has
// hydrated, chunks included) or `<body data-enhanced="true">` (a page served without the app,
// once its page script has run), and prints the path of every `.js` and `.wasm` response, one
// per line, in the order they arrived. Then one line `inline RAW GZIP BROTLI`: the bytes of the
// page's inline scripts together, as they are and compressed on their own (gzip level 9,
// brotli quality 11, as a build's precompression does). In the page they travel compressed
// with the HTML, so the compressed figures are an upper bound. Used by bench/bundle_size.sh (G4).
//
// Usage: node bench/page_downloads.mjs URL...
import { chromium } from 'playwright-core';
import zlib from 'node:zlib';

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
try {
  for (const url of process.argv.slice(2)) {
    const page = await browser.newPage();
    const seen = [];
    page.on('response', (response) => {
      const path = new URL(response.url()).pathname;
      if (/\.(js|wasm)$/.test(path) && !seen.includes(path)) seen.push(path);
    });
    await page.goto(url);
    await page.waitForSelector('body[data-hydrated="true"], body[data-enhanced="true"]', { timeout: 30_000 });
    const inline = Buffer.from(
      (await page.$$eval('script:not([src])', (scripts) => scripts.map((s) => s.textContent))).join(''),
    );
    const gzip = zlib.gzipSync(inline, { level: 9 }).length;
    const br = zlib.brotliCompressSync(inline, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
    console.log([...seen, `inline ${inline.length} ${gzip} ${br}`].join('\n'));
    await page.close();
  }
} finally {
  await browser.close();
}
