// How long traceview's web UI takes to open a big trace: from navigation to
// the waterfall being interactive (body[data-state=ready]) in headless
// Debian chromium, for a 10,000- and a 50,000-span trace; the median of 5
// opens each (after one warm-up). Prints {"open_10k_ms", "open_50k_ms"}.
//
//   node bench/ui_open.mjs TRACEVIEW_BINARY
// (playwright-core comes from tests/browser/node_modules)
import { Traceview, bigTraceRequests, hex, launchBrowser } from '../tests/browser/harness.mjs';

const binary = process.argv[2];
if (!binary) {
  console.error('usage: node bench/ui_open.mjs TRACEVIEW_BINARY');
  process.exit(2);
}

const tv = await Traceview.start(binary);
const browser = await launchBrowser();
try {
  const sizes = { open_10k_ms: [0x10000, 10000], open_50k_ms: [0x50000, 50000] };
  for (const [trace, n] of Object.values(sizes))
    for (const r of bigTraceRequests(trace, n)) await tv.ingest(r);
  const page = await browser.context.newPage();
  const result = {};
  for (const [name, [trace]] of Object.entries(sizes)) {
    const times = [];
    for (let i = 0; i < 6; i++) {
      await page.goto('about:blank');
      const t0 = Date.now();
      await page.goto(`${tv.base}/trace/${hex(trace, 32)}`);
      await page.waitForSelector('body[data-state="ready"]', { timeout: 60000 });
      if (i > 0) times.push(Date.now() - t0);
    }
    times.sort((a, b) => a - b);
    result[name] = times[Math.floor(times.length / 2)];
  }
  console.log(JSON.stringify(result));
} finally {
  await browser.close();
  await tv.stop();
}
