// The quickstart's frontend (AuthContext.tsx, Root.tsx, login.tsx, unchanged) in real Chromium, served by
// `docusaurus start` on http://localhost:3000, against the authgate API on http://localhost:8000.
// Run by run-e2e.sh, which starts both servers; `node --test e2e.test.mjs` alone expects them running.
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync, mkdirSync, readFileSync} from 'node:fs';
import {randomUUID} from 'node:crypto';
import {fileURLToPath} from 'node:url';
import {chromium} from 'playwright-core';

const SITE = 'http://localhost:3000';
const API = 'http://localhost:8000';
const PASSWORD = 'SecureP@ssw0rd';
const HERE = fileURLToPath(new URL('.', import.meta.url));
const ARTIFACTS = `${HERE}artifacts/`;
const VERBATIM = ['src/contexts/AuthContext.tsx', 'src/theme/Root.tsx', 'src/pages/auth/login.tsx'];

let browser;
before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});
after(async () => {
  await browser?.close();
});

async function signup(email) {
  const res = await fetch(`${API}/auth/signup`, {
    method: 'POST',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({email, password: PASSWORD, experience_level: 'intermediate', professional_role: 'student'}),
  });
  assert.equal(res.status, 201, `POST /auth/signup: ${res.status} ${await res.text()}`);
}

/**
 * Records `METHOD /auth/... -> status` for every request the page issues to the API (CORS preflights apart).
 * Counting issued requests, not failures: at a reload Chromium reports the previous page's answered requests whose
 * bodies were never read (the AuthContext ignores 401 bodies) as aborted.
 */
function recordAuthRequests(page) {
  const seen = [];
  const entries = new Map();
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (url.origin === API && url.pathname.startsWith('/auth/') && req.method() !== 'OPTIONS') {
      const entry = {call: `${req.method()} ${url.pathname}`, status: 'pending'};
      entries.set(req, entry);
      seen.push(entry);
    }
  });
  page.on('response', (res) => {
    const entry = entries.get(res.request());
    if (entry) entry.status = res.status();
  });
  page.on('requestfailed', (req) => {
    const entry = entries.get(req);
    if (entry && entry.status === 'pending') entry.status = `failed ${req.failure()?.errorText}`;
  });
  return seen;
}

const calls = (seen) => seen.map((e) => `${e.call} -> ${e.status}`);

// React must have hydrated before the form is used, or the browser would submit it natively.
async function hydrated(page) {
  await page.locator('html[data-has-hydrated="true"]').waitFor({state: 'attached'});
}

const nav = (page) => page.locator('nav.navbar');
const emailInNav = (page) => nav(page).getByTestId('auth-email');
const signInLink = (page) => nav(page).getByRole('link', {name: 'Sign in', exact: true});

/** Runs `load` (a navigation), waits for the page to settle, and returns the auth requests it made. */
async function measureLoad(page, seen, label, load, settled, report) {
  seen.length = 0;
  await load();
  await hydrated(page);
  await settled();
  await page.waitForTimeout(1500); // a looping AuthContext would keep requesting during this pause
  const requests = calls(seen);
  report.push({load: label, count: requests.length, requests});
  assert.ok(requests.length < 5, `${label}: ${requests.length} auth requests in one load (a loop?): ${requests}`);
  return requests;
}

function screenshot(page, name) {
  mkdirSync(ARTIFACTS, {recursive: true});
  return page.screenshot({path: `${ARTIFACTS}${name}.png`, fullPage: true});
}

test('the three quickstart files are byte-for-byte the blocks the quickstart prints', (t) => {
  // the docs team's quickstart, kept in the repository as the contract (docs/quickstart.md)
  const quickstart = `${HERE}../../docs/quickstart.md`;
  assert.ok(existsSync(quickstart), `quickstart not found at ${quickstart}`);
  const md = readFileSync(quickstart, 'utf8');
  for (const file of VERBATIM) {
    const marker = `**File**: \`${file}\`\n\n`;
    const start = md.indexOf(marker);
    assert.notEqual(start, -1, `${file} is named in the quickstart`);
    const open = md.indexOf('\n', start + marker.length) + 1; // the line after the opening fence
    const close = md.indexOf('\n```\n', open);
    assert.equal(readFileSync(`${HERE}${file}`, 'utf8'), md.slice(open, close + 1), `${file} is verbatim`);
  }
});

test('quickstart checks 1-5 plus a reload while signed in and a logout after that reload', async (t) => {
  const email = `qs-${randomUUID().slice(0, 8)}@example.com`;
  await signup(email);

  const context = await browser.newContext({viewport: {width: 1280, height: 800}});
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('console', (msg) => msg.type() === 'error' && consoleErrors.push(msg.text()));
  page.on('pageerror', (err) => consoleErrors.push(`pageerror: ${err.message}`));
  const seen = recordAuthRequests(page);
  const report = [];
  const measure = (label, load, settled) => measureLoad(page, seen, label, load, settled, report);

  try {
    // 1. navigate to /auth/login (signed out: the AuthContext asks /auth/me, then /auth/refresh, then stops)
    await measure('GET /auth/login (signed out)', () => page.goto(`${SITE}/auth/login`),
      () => page.getByRole('heading', {name: 'Sign In'}).waitFor());

    // 2. enter credentials and click "Sign In"
    seen.length = 0;
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    const loginResponse = page.waitForResponse((r) => r.url() === `${API}/auth/login` && r.request().method() === 'POST');
    await page.getByRole('button', {name: 'Sign In', exact: true}).click();
    assert.equal((await loginResponse).status(), 200);

    // 3. redirected to the home page (client-side, history.push('/'))
    await page.waitForURL(`${SITE}/`);

    // 4. the email appears in the navigation
    await emailInNav(page).waitFor();
    assert.equal(await emailInNav(page).textContent(), email);
    const refresh = (await context.cookies(`${API}/auth`)).find((c) => c.name === 'refresh_token');
    assert.ok(refresh?.value, 'the API set the refresh_token cookie');
    assert.equal(refresh.httpOnly, true);
    assert.equal(refresh.path, '/auth');
    assert.doesNotMatch(await page.evaluate(() => document.cookie), /refresh_token/);
    report.push({load: 'sign in (client-side, no page load)', count: seen.length, requests: calls(seen)});
    await screenshot(page, '1-signed-in');

    // reload while signed in: the access token was only in React state, so the session must come back from the
    // HttpOnly cookie, through the AuthContext's GET /auth/me with credentials and no Authorization header
    const meRequest = page.waitForRequest((r) => r.url() === `${API}/auth/me`);
    await measure('reload / (signed in)', () => page.reload(), () => emailInNav(page).waitFor());
    assert.equal((await meRequest).headers().authorization, undefined, 'after a reload /auth/me carries no bearer');
    assert.equal(await emailInNav(page).textContent(), email);
    await screenshot(page, '2-signed-in-after-reload');

    // 5. logout after the reload: the AuthContext has no access token now, only the cookie
    seen.length = 0;
    const logoutResponse = page.waitForResponse((r) => r.url() === `${API}/auth/logout`);
    await nav(page).getByRole('button', {name: 'Logout', exact: true}).click();
    const logout = await logoutResponse;
    assert.equal(logout.request().headers().authorization, undefined, 'logout after a reload carries no bearer');
    assert.equal(logout.status(), 204, `POST /auth/logout -> ${logout.status()}`);
    await signInLink(page).waitFor();
    assert.equal(await emailInNav(page).count(), 0, 'email gone from the navigation');
    report.push({load: 'click Logout (no page load)', count: seen.length, requests: calls(seen)});
    const left = (await context.cookies(`${API}/auth`)).filter((c) => c.name === 'refresh_token');
    assert.deepEqual(left, [], 'the refresh_token cookie is gone');

    // and the session stays cleared across a reload
    await measure('reload / (after logout)', () => page.reload(), () => signInLink(page).waitFor());
    assert.equal(await emailInNav(page).count(), 0, 'still signed out after a reload');
    await screenshot(page, '3-signed-out-after-reload');

    const cors = consoleErrors.filter((e) => /CORS|Access-Control/i.test(e));
    assert.deepEqual(cors, [], 'no CORS errors');
  } finally {
    t.diagnostic(`auth requests per load: ${JSON.stringify(report)}`);
    t.diagnostic(`browser console errors: ${JSON.stringify(consoleErrors)}`);
    await context.close();
  }
});

test('a wrong password shows "Invalid email or password" on the login page', async () => {
  const email = `qs-${randomUUID().slice(0, 8)}@example.com`;
  await signup(email);
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await page.goto(`${SITE}/auth/login`);
    await hydrated(page);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('Not-the-password-1');
    await page.getByRole('button', {name: 'Sign In', exact: true}).click();
    const alert = page.locator('.alert.alert--danger');
    await alert.waitFor();
    assert.equal((await alert.textContent()).trim(), 'Invalid email or password');
    assert.equal(new URL(page.url()).pathname, '/auth/login');
    assert.deepEqual((await context.cookies(`${API}/auth`)).filter((c) => c.name === 'refresh_token'), []);
    await screenshot(page, '4-wrong-password');
  } finally {
    await context.close();
  }
});
