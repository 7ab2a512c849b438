// Which scripts and wasm modules a page makes the browser fetch until it has hydrated: opens
// each URL given in Debian's Chromium, waits for `<body data-hydrated="true">` (set once the
// app has hydrated, chunks included), and prints the path of every `.js` and `.wasm`
// response, one per line, in the order they arrived. Used by bench/bundle_size.sh (G4).
//
// Usage: node bench/page_downloads.mjs URL...
import { chromium } from 'playwright-core';

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
    await page.waitForSelector('body[data-hydrated="true"]', { timeout: 30_000 });
    console.log(seen.join('\n'));
    await page.close();
  }
} finally {
  await browser.close();
}
