// The web console in a real browser (tests/e2e/console_browser_test.cc starts the cloud and runs
// this): Debian's headless Chromium driven through the DevTools protocol by puppeteer-core.
// Logs in as a member, sees a job submitted through the CLI appear, opens it, cancels it, fails
// to reach another tenant's job (not found), visits every page with no console error, and as an
// operator drains and resumes a node. A screenshot of each page (1400 px wide) goes to SHOTS.
//
// Environment: HEXA_URL, HEXA_BIN (the hexa binary, for the CLI), HEXA_MEMBER_TOKEN (of tenant
// alpha), HEXA_OPERATOR_TOKEN, HEXA_BETA_JOB (a job of tenant beta), HEXA_SHOTS (a directory).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';

const env = (k) => { if (!process.env[k]) throw new Error(`${k} is not set`); return process.env[k]; };
const url = env('HEXA_URL'), shots = env('HEXA_SHOTS');
const WAIT = { timeout: 20000 };
mkdirSync(shots, { recursive: true });
const deadline = setTimeout(() => { console.error('FAIL: the browser test ran past 150 s'); process.exit(1); }, 150000);

function check(ok, what) {
  if (!ok) throw new Error('FAIL: ' + what);
  console.log('ok: ' + what);
}

const profile = mkdtempSync(join(tmpdir(), 'hexa-chromium-'));
const browser = await puppeteer.launch({
  executablePath: process.env.HEXA_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  userDataDir: profile,
  defaultViewport: { width: 1400, height: 900 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
});
let failed = false;
try {
  const page = await browser.newPage();
  const errors = [];
  let allowed = [];  // console errors a step expects (a 404 it asks for)
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (allowed.some((a) => m.text().includes(a))) return;
    errors.push(m.text() + ' (' + page.url() + ')');
  });
  page.on('pageerror', (e) => errors.push('uncaught: ' + e.message + ' (' + page.url() + ')'));
  const shot = async (name) => page.screenshot({ path: join(shots, `console-${name}.png`), fullPage: true });
  const visit = async (hash, selector, name) => {
    await page.goto(url + '/' + hash);
    await page.waitForSelector(selector, WAIT);
    if (name) await shot(name);
  };
  const login = async (token) => {
    await page.goto(url + '/#/login');
    await page.waitForSelector('#login', WAIT);
    await page.type('#token', token);
    await Promise.all([page.waitForSelector('#overview', WAIT), page.click('#login-button')]);
  };

  // The console's page and its headers: served without a token, strict CSP, nosniff.
  const first = await page.goto(url + '/');
  const headers = first.headers();
  check(first.status() === 200 && headers['content-type'].startsWith('text/html'), 'GET / is the console, text/html');
  check((headers['content-security-policy'] || '').includes("default-src 'self'"), "GET / has a Content-Security-Policy with default-src 'self'");
  check(headers['x-content-type-options'] === 'nosniff', 'GET / has X-Content-Type-Options: nosniff');
  await page.waitForSelector('#login', WAIT);
  await shot('login');

  // A member of alpha logs in.
  await login(env('HEXA_MEMBER_TOKEN'));
  check(await page.$eval('#who', (e) => e.textContent) === 'member of alpha', 'logged in as the member of alpha');
  check(await page.evaluate(() => sessionStorage.getItem('hexa.token') !== null), 'the token is kept in sessionStorage');
  const power = await page.$eval('#power-now .big', (e) => e.textContent);
  check(power === 'unknown', 'the overview says power now is unknown (this cloud gives no watts), got ' + power);
  await shot('overview');

  // A job submitted through the CLI appears on the jobs page (its 5 s poll), without a reload.
  await visit('#/jobs', '#jobs');
  const out = execFileSync(env('HEXA_BIN'), ['submit', '--name', 'console-e2e', '--gpus', '1', '--', 'sh', '-c', 'echo hello from the console test; sleep 600'],
    { env: { ...process.env, HEXA_SERVER: url, HEXA_TOKEN: env('HEXA_MEMBER_TOKEN') } }).toString();
  const id = (out.match(/\d+/) || [])[0];
  check(id !== undefined, 'the CLI submitted job ' + id);
  await page.waitForSelector(`tr[data-job="${id}"]`, WAIT);
  check(true, `job ${id} appeared on the jobs page by itself`);
  await shot('jobs');

  // Open it, wait for its log line, and cancel it.
  await Promise.all([page.waitForSelector('#job', WAIT), page.click(`tr[data-job="${id}"] a`)]);
  await page.waitForFunction(() => document.querySelector('#log') && document.querySelector('#log').textContent.includes('hello from the console test'), WAIT);
  check(true, `job ${id}'s page shows its log tail`);
  await shot('job');
  await page.click('#cancel-job');
  await page.waitForSelector('#job[data-state="cancelled"]', WAIT);
  check(true, `job ${id} cancelled from its page`);
  const steps = await page.$$eval('ol.timeline li', (lis) => lis.map((li) => li.textContent));
  check(steps.some((t) => /^Started \(segment 1\) on n\d · \d{4}-/.test(t)) && steps.some((t) => /^Cancelled \(segment 1\) · /.test(t)),
    'the timeline shows the run segment with its node, start and end: ' + JSON.stringify(steps));

  await visit('#/tenants', '#tenants', 'tenants');

  // The 5 s poll pauses while the tab is hidden and catches up at once when it shows again.
  let calls = 0;
  const count = (r) => { if (r.url().includes('/v1/')) calls += 1; };
  page.on('request', count);
  const setVisibility = (v) => page.evaluate((value) => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => value });
    document.dispatchEvent(new Event('visibilitychange'));
  }, v);
  await setVisibility('hidden');
  calls = 0;
  await new Promise((r) => setTimeout(r, 6500));
  check(calls === 0, 'no polling while the tab is hidden (' + calls + ' calls)');
  await setVisibility('visible');
  for (let i = 0; i < 50 && calls === 0; ++i) await new Promise((r) => setTimeout(r, 100));
  check(calls > 0, 'polling again once the tab shows');
  page.off('request', count);

  await visit('#/credits', '#credits', 'credits');
  await visit('#/nodes', '#nodes', 'nodes');
  check(await page.$('button[data-drain]') === null, 'a member has no drain buttons');
  check(errors.length === 0, 'no console errors on any page as a member: ' + JSON.stringify(errors));

  // Another tenant's job: not found, as if it did not exist (the API's 404, expected once).
  allowed = ['status of 404'];
  await visit('#/jobs/' + env('HEXA_BETA_JOB'), '#not-found', 'not-found');
  allowed = [];
  check(true, "another tenant's job page shows not found");

  // An operator drains and resumes a node from the nodes page.
  await page.click('#logout');
  await page.waitForSelector('#login', WAIT);
  await login(env('HEXA_OPERATOR_TOKEN'));
  await visit('#/nodes', 'button[data-drain="n1"]');
  await page.type('tr[data-node="n1"] .drain-reason', 'browser test');
  await page.click('button[data-drain="n1"]');
  await page.waitForSelector('button[data-resume="n1"]', WAIT);
  check(true, 'the operator drained n1');
  await shot('nodes-operator');
  await page.click('button[data-resume="n1"]');
  await page.waitForSelector('button[data-drain="n1"]', WAIT);
  check(true, 'the operator resumed n1');
  await visit('#/overview', '#overview', 'overview-operator');
  await visit('#/jobs', '#jobs');
  await visit('#/tenants', '#tenants');
  await visit('#/credits', '#credits');
  check(errors.length === 0, 'no console errors on any page as an operator: ' + JSON.stringify(errors));
} catch (e) {
  failed = true;
  console.error(e.stack || String(e));
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
  clearTimeout(deadline);
}
process.exit(failed ? 1 : 0);
