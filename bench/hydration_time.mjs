// How long a page takes to become interactive on a slow phone: opens each page in Debian's
// Chromium with Lighthouse's mobile throttling (150 ms round trips, 1.6 Mbit/s down, 750 kbit/s
// up, the CPU slowed 4×; the browser cache off), and reports the time from navigation until
// `<body data-hydrated="true">` (set once the app has hydrated, lazy chunks included) or
// `<body data-enhanced="true">` (a page served without the app, once its page script has run),
// with the requests and bytes on the wire (headers included) until then. Used by bench/hydration_time.sh.
//
// Usage: node bench/hydration_time.mjs RUNS LABEL=URL...
//   Alternates the URLs RUNS times and prints one JSON line per page:
//   {"label", "ms": [..], "requests", "bytes"}   (ms: milliseconds; bytes: of the last run)
import { chromium } from 'playwright-core';

const [runs, ...args] = process.argv.slice(2);
const pages = args.map((arg) => [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
const results = new Map(pages.map(([label]) => [label, { ms: [], requests: 0, bytes: 0 }]));

async function measure(url) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.addInitScript(() => {
    new MutationObserver((_, observer) => {
      const body = document.body?.dataset;
      if (body?.hydrated === 'true' || body?.enhanced === 'true') {
        window.__hydratedAt = performance.now();
        observer.disconnect();
      }
    }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-hydrated', 'data-enhanced'] });
  });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 150,
    downloadThroughput: (1.6 * 1024 * 1024) / 8,
    uploadThroughput: (750 * 1024) / 8,
  });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  let requests = 0;
  let bytes = 0;
  let counting = true;
  cdp.on('Network.loadingFinished', (e) => {
    if (counting) {
      requests += 1;
      bytes += e.encodedDataLength;
    }
  });
  await page.goto(url);
  await page.waitForFunction(() => window.__hydratedAt !== undefined, null, { timeout: 120_000 });
  counting = false;
  const ms = await page.evaluate(() => window.__hydratedAt);
  await context.close();
  return { ms, requests, bytes };
}

try {
  for (let i = 0; i < Number(runs); i++) {
    for (const [label, url] of pages) {
      const r = await measure(url);
      const into = results.get(label);
      into.ms.push(Math.round(r.ms));
      into.requests = r.requests;
      into.bytes = r.bytes;
    }
  }
  for (const [label, r] of results) console.log(JSON.stringify({ label, ...r }));
} finally {
  await browser.close();
}
