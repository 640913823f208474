// Screenshots of each console page at 1400 px wide, for docs/console.md (scripts/console_screenshots.sh
// starts the demo cloud and runs this). Environment: HEXA_URL, HEXA_ADMIN_TOKEN, HEXA_OPERATOR_TOKEN,
// HEXA_MEMBER_TOKEN, HEXA_JOB (a running job with output), HEXA_SHOTS (where the PNGs go).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';

const env = (k) => { if (!process.env[k]) throw new Error(`${k} is not set`); return process.env[k]; };
const url = env('HEXA_URL'), shots = env('HEXA_SHOTS');
const profile = mkdtempSync(join(tmpdir(), 'hexa-chromium-'));
const browser = await puppeteer.launch({
  executablePath: process.env.HEXA_CHROMIUM || '/usr/bin/chromium', headless: true, userDataDir: profile,
  defaultViewport: { width: 1400, height: 900 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
});
let code = 0;
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => { console.error('page error: ' + e.message); code = 1; });
  const shot = async (hash, selector, name) => {
    await page.goto(url + '/' + hash);
    await page.waitForSelector(selector, { timeout: 20000 });
    await page.screenshot({ path: join(shots, `console-${name}.png`), fullPage: true });
    console.log(`docs/images/console-${name}.png`);
  };
  const login = async (token) => {
    await page.goto(url + '/#/login');
    await page.waitForSelector('#login');
    await page.evaluate(() => sessionStorage.clear());
    await page.type('#token', token);
    await Promise.all([page.waitForSelector('#overview', { timeout: 20000 }), page.click('#login-button')]);
  };
  await page.goto(url + '/#/login');
  await page.waitForSelector('#login');
  await page.screenshot({ path: join(shots, 'console-login.png') });
  console.log('docs/images/console-login.png');
  await login(env('HEXA_ADMIN_TOKEN'));
  await shot('#/overview', '#overview', 'overview');
  await shot('#/jobs', '#jobs', 'jobs');
  await page.goto(url + '/#/jobs/' + env('HEXA_JOB'));
  await page.waitForFunction(() => document.querySelector('#log') && !document.querySelector('#log').textContent.startsWith('(no output'), { timeout: 20000 });
  await page.screenshot({ path: join(shots, 'console-job.png'), fullPage: true });
  console.log('docs/images/console-job.png');
  await shot('#/tenants', '#tenants', 'tenants');
  await shot('#/credits?tenant=startup-0001', '#credits', 'credits');
  await login(env('HEXA_OPERATOR_TOKEN'));
  await shot('#/nodes', '#nodes', 'nodes');
  await login(env('HEXA_MEMBER_TOKEN'));
  await shot('#/jobs', '#jobs', 'jobs-member');
} catch (e) {
  console.error(e.stack || String(e));
  code = 1;
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(code);
