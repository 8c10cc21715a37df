// traceview's web UI in Debian's chromium (headless, through playwright-core):
// search finds the GeoDNS trace, its waterfall has every span and service,
// a click shows a span's attributes, a deep link opens a trace with a span
// selected, the dependency graph has the edges, and a 10,000-span trace
// opens with only the visible rows in the DOM, a downloaded trace opens again
// from its file, and a broken hop is flagged. Screenshots are kept in
// SPANLINE_ARTIFACTS_DIR. Run by ctest (`browser.traceview`).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  Traceview, bigTraceRequests, geodnsTrace, hex, launchBrowser, request, span,
} from './harness.mjs';

const BINARY = process.env.SPANLINE_TRACEVIEW;
if (!BINARY) throw new Error('SPANLINE_TRACEVIEW is not set (run through ctest)');
const ARTIFACTS = process.env.SPANLINE_ARTIFACTS_DIR || join(process.cwd(), 'artifacts');

let tv;
let browser;
let page;
const errors = [];

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  tv = await Traceview.start(BINARY);
  await tv.ingest(geodnsTrace(0xa1));
  await tv.ingest(geodnsTrace(0xa2));
  for (const r of bigTraceRequests(0xb10000, 10000)) await tv.ingest(r);
  browser = await launchBrowser();
  page = await browser.context.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
});

after(async () => {
  await browser?.close();
  const code = await tv?.stop();
  assert.equal(code, 0, tv?.stderr);
});

async function ready() {
  await page.waitForSelector('body[data-state="ready"]', { timeout: 15000 });
}

test('search finds the GeoDNS trace and opens it', async () => {
  await page.goto(`${tv.base}/search`);
  await ready();
  await page.selectOption('[data-testid="service-select"]', 'dns-worker');
  await page.fill('[data-testid="tags-input"]', 'dns.region=eu');
  await page.click('[data-testid="search-button"]');
  await page.waitForSelector('[data-testid="trace-result"]');
  const ids = await page.$$eval('[data-testid="trace-result"]', (els) => els.map((e) => e.dataset.traceId));
  assert.deepEqual(ids.sort(), [hex(0xa1, 32), hex(0xa2, 32)]);
  assert.equal(await page.locator('[data-testid="scatter-dot"]').count(), 2);
  assert.match(page.url(), /service=dns-worker/);
  await page.screenshot({ path: join(ARTIFACTS, 'traceview-search.png'), fullPage: true });
  await page.click(`[data-testid="trace-result"][data-trace-id="${hex(0xa1, 32)}"]`);
  await page.waitForURL(`**/trace/${hex(0xa1, 32)}*`);
  await ready();
});

test('the waterfall shows every span and service; a click shows the attributes', async () => {
  await page.goto(`${tv.base}/trace/${hex(0xa1, 32)}`);
  await ready();
  const header = page.locator('[data-testid="trace-header"]');
  assert.equal(await header.getAttribute('data-span-count'), '8');
  assert.equal(await header.getAttribute('data-service-count'), '3');
  assert.equal(await header.getAttribute('data-error-count'), '1');
  assert.equal(await page.locator('[data-testid="span-row"]').count(), 8);
  assert.ok(await page.locator('[data-testid="span-row"][data-critical="true"]').count() >= 2);
  await page.click(`[data-testid="span-row"][data-span-id="${hex(21, 16)}"]`);
  const detail = page.locator('[data-testid="span-detail"]');
  await detail.waitFor();
  const text = await detail.innerText();
  assert.match(text, /lookup eu/);
  assert.match(text, /dns\.region/);
  assert.match(text, /example\.com/);
  assert.match(text, /queue wait/i);
  await page.screenshot({ path: join(ARTIFACTS, 'traceview-trace.png'), fullPage: true });
  // Collapsing the orchestrator hides its six descendants.
  await page.click(`[data-testid="span-row"][data-span-id="${hex(2, 16)}"] [data-testid="span-toggle"]`);
  assert.equal(await page.locator('[data-testid="span-row"]').count(), 2);
});

test('a deep link opens the trace with the span selected', async () => {
  await page.goto(`${tv.base}/trace/${hex(0xa2, 32)}?span=${hex(22, 16)}`);
  await ready();
  const detail = page.locator('[data-testid="span-detail"]');
  await detail.waitFor();
  assert.match(await detail.innerText(), /lookup ap/);
});

test('the dependency graph shows the edges with their call counts', async () => {
  await page.goto(`${tv.base}/dependencies`);
  await ready();
  await page.waitForSelector('[data-testid="dep-edge"]');
  const edges = await page.$$eval('[data-testid="dep-edge"]', (els) =>
    els.map((e) => `${e.dataset.parent}>${e.dataset.child}:${e.dataset.calls}`).sort());
  assert.ok(edges.includes('dns-gateway>dns-orchestrator:2'), edges.join(' '));
  assert.ok(edges.includes('dns-orchestrator>dns-worker:6'), edges.join(' '));
  await page.screenshot({ path: join(ARTIFACTS, 'traceview-dependencies.png'), fullPage: true });
});

test('a 10,000-span trace opens with only the visible rows in the DOM', async () => {
  await page.goto(`${tv.base}/trace/${hex(0xb10000, 32)}`);
  await ready();
  const header = page.locator('[data-testid="trace-header"]');
  assert.equal(await header.getAttribute('data-span-count'), '10000');
  const rows = await page.locator('[data-testid="span-row"]').count();
  assert.ok(rows > 10 && rows < 500, `${rows} rows in the DOM`);
  await page.fill('[data-testid="span-search"]', 'op-7');
  await page.waitForFunction(() => /\d/.test(
    document.querySelector('[data-testid="span-search-count"]')?.textContent || ''));
  await page.screenshot({ path: join(ARTIFACTS, 'traceview-10k.png') });
});

test('a trace downloads as JSON and opens again from that file, without the server', async () => {
  await page.goto(`${tv.base}/trace/${hex(0xa2, 32)}`);
  await ready();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click('[data-testid="download-json"]'),
  ]);
  const file = join(ARTIFACTS, 'trace-a2.json');
  await download.saveAs(file);
  const saved = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(saved.data[0].traceID, hex(0xa2, 32));
  assert.equal(saved.data[0].spans.length, 8);
  // A trace the server has never seen: the same file with another id.
  saved.data[0].traceID = hex(0xf11e, 32);
  for (const s of saved.data[0].spans) s.traceID = hex(0xf11e, 32);
  const renamed = join(ARTIFACTS, 'trace-f11e.json');
  writeFileSync(renamed, JSON.stringify(saved));
  await page.goto(`${tv.base}/search`);
  await ready();
  await page.setInputFiles('[data-testid="open-json"]', renamed);
  await page.waitForURL(`**/trace/${hex(0xf11e, 32)}*`);
  await ready();
  assert.equal(await page.locator('[data-testid="trace-header"]').getAttribute('data-span-count'), '8');
  assert.equal(await page.locator('[data-testid="span-row"]').count(), 8);
});

test('the span detail shows where propagation broke', async () => {
  // The gateway's call is joined by nothing; the orchestrator starts a new
  // trace while it is in flight.
  await tv.ingest(request({
    'dns-gateway': [span({ trace: 0xc1, id: 1, name: 'GET /resolve', startUs: 0, durUs: 6000, kind: 2 }),
      span({ trace: 0xc1, id: 2, parent: 1, name: 'POST', startUs: 1000, durUs: 4000, kind: 3 })],
  }));
  await tv.ingest(request({
    'dns-orchestrator': [span({ trace: 0xc2, id: 10, name: 'POST /lookup', startUs: 1500, durUs: 2000, kind: 2 })],
  }));
  await page.goto(`${tv.base}/trace/${hex(0xc2, 32)}`);
  await ready();
  const row = page.locator(`[data-testid="span-row"][data-span-id="${hex(10, 16)}"]`);
  assert.equal(await row.getAttribute('data-warning'), 'true');
  await row.click();
  const detail = page.locator('[data-testid="span-detail"]');
  await detail.waitFor();
  assert.match(await detail.innerText(), /dns-gateway was calling/);
});

test('no errors in the page', () => {
  assert.deepEqual(errors, []);
});
