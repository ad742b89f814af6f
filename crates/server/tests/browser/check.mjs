// Loads pages of a running starmark server in Debian's headless Chromium and
// reports what a browser saw, as JSON on stdout. The Rust tests start the
// server, call this script, and assert on the report; this script asserts
// nothing itself.
//
//   node check.mjs SPEC.json
//
// SPEC: { "screenshots": DIR, "pages": [{ "name", "url", "width", "height" }] }
//
// Each page is loaded twice:
// - as served, with the site's Content-Security-Policy: screenshot, console
//   errors (a CSP violation shows up there), the rendered DOM's key facts;
// - with the CSP bypassed, so that escaping alone stands between vendor data
//   and script execution: any `window.__pwned`, dialog or javascript: URL
//   means hostile data became live. axe-core runs in this load too, since
//   the site's CSP (rightly) forbids injecting its script.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));

const browser = await chromium.launch({
  executablePath: process.env.STARMARK_CHROMIUM || '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});

const facts = () => {
  const attr = (e) => e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('action') || '';
  const h1 = document.querySelector('h1');
  const status = document.querySelector('.status');
  return {
    lang: document.documentElement.lang,
    title: document.title,
    h1: h1 ? h1.innerText : null,
    h1Width: h1 ? h1.getBoundingClientRect().width : 0,
    status: status ? status.innerText : null,
    text: document.body.innerText,
    overflowX: document.documentElement.scrollWidth - window.innerWidth,
    javascriptUrls: [...document.querySelectorAll('[href],[src],[action]')]
      .map(attr)
      .filter((v) => /^\s*javascript:/i.test(v)),
    inputs: [...document.querySelectorAll('input')].map((i) => i.value),
    scripts: document.querySelectorAll('script').length,
    eventHandlerAttributes: [...document.querySelectorAll('*')].flatMap((e) =>
      [...e.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${e.tagName}@${a.name}`),
    ),
    isolatedVendorText: [...document.querySelectorAll('dd, td, bdi, .model')].every(
      (e) => getComputedStyle(e).unicodeBidi === 'isolate',
    ),
    images: [...document.images].map((i) => ({ src: i.getAttribute('src'), ok: i.complete && i.naturalWidth > 0 })),
  };
};

const report = [];
for (const p of spec.pages) {
  const viewport = { width: p.width || 390, height: p.height || 844 };
  const entry = { name: p.name, url: p.url };

  // 1. As served.
  const served = await browser.newContext({ viewport });
  const page = await served.newPage();
  const consoleErrors = [];
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  const response = await page.goto(p.url, { waitUntil: 'load' });
  entry.status = response ? response.status() : 0;
  entry.served = await page.evaluate(facts);
  entry.consoleErrors = consoleErrors;
  entry.screenshot = join(spec.screenshots, `${p.name}.png`);
  await page.screenshot({ path: entry.screenshot, fullPage: true });
  await served.close();

  // 2. With the CSP bypassed: escaping alone must keep hostile data inert.
  const bare = await browser.newContext({ viewport, bypassCSP: true });
  const page2 = await bare.newPage();
  const dialogs = [];
  page2.on('dialog', async (d) => {
    dialogs.push(d.message());
    await d.dismiss();
  });
  await page2.goto(p.url, { waitUntil: 'load' });
  // Give any timer- or event-driven payload a moment to fire.
  await page2.waitForTimeout(200);
  entry.bare = await page2.evaluate(facts);
  entry.pwned = await page2.evaluate(() => typeof window.__pwned !== 'undefined');
  entry.dialogs = dialogs;
  await page2.evaluate(axeSource);
  const axe = await page2.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { resultTypes: ['violations'] }),
  );
  entry.axe = axe.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
  }));
  await bare.close();
  report.push(entry);
}
await browser.close();
process.stdout.write(JSON.stringify(report));
