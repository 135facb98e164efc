// The session across reloads and tabs, the auth-request budget, and the open-redirect guard.
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import {
  SITE,
  createUser,
  launch,
  navbar,
  newContext,
  recordAuthRequests,
  signInThroughForm,
  waitForSignedIn,
  waitForSignedOut,
} from '../lib/browser.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('a reload keeps the session, with one /auth call', async () => {
  const email = await createUser({experience_level: 'intermediate'});
  const context = await newContext(browser);
  const page = await context.newPage();
  await signInThroughForm(page, email);
  await waitForSignedIn(page, email);

  const calls = recordAuthRequests(page);
  await page.reload({waitUntil: 'networkidle'});
  await waitForSignedIn(page, email);
  await page.getByText('Your path: intermediate').waitFor();
  assert.deepEqual(calls, ['GET /auth/me']);
  await context.close();
});

test('a second tab is signed out when the first signs out', async () => {
  const email = await createUser();
  const context = await newContext(browser);
  const first = await context.newPage();
  await signInThroughForm(first, email);
  await waitForSignedIn(first, email);

  const second = await context.newPage();
  await second.goto(`${SITE}/docs/intro`);
  await waitForSignedIn(second, email);
  await second.getByText('In plain words').waitFor();

  await navbar(first).getByRole('button', {name: email}).click();
  await navbar(first).getByRole('menuitem', {name: 'Sign out', exact: true}).click();
  await waitForSignedOut(first);
  // no reload of the second tab: the BroadcastChannel message signs it out
  await waitForSignedOut(second);
  await second.getByText('to see this chapter').waitFor();
  assert.equal(await second.getByText('In plain words').isVisible(), false);
  await context.close();
});

test('the first profile save after a reload refreshes once; no page load makes more than two /auth calls (three on the sign-in page)', async () => {
  const email = await createUser();
  const context = await newContext(browser);
  const page = await context.newPage();
  const calls = recordAuthRequests(page);
  const loads = [];
  const load = async (path) => {
    const before = calls.length;
    await page.goto(`${SITE}${path}`, {waitUntil: 'networkidle'});
    loads.push({path, calls: calls.slice(before)});
  };

  await load('/');
  await load('/auth/login');
  await page.getByLabel('Email', {exact: true}).fill(email);
  await page.getByLabel('Password', {exact: true}).fill('orbiting kettle 42 sunrise');
  await page.getByRole('button', {name: 'Sign In', exact: true}).click();
  await waitForSignedIn(page, email);
  await load('/');
  await load('/docs/intro');
  await load('/auth/account');
  // first authenticated call of this page: one refresh, then the PATCH
  const beforeSave = calls.length;
  await page.getByLabel('Experience level', {exact: true}).selectOption('advanced');
  await page.getByRole('button', {name: 'Save changes'}).click();
  await page.getByRole('status').filter({hasText: 'saved'}).waitFor();
  await page.getByRole('button', {name: 'Save changes'}).click();
  await page.getByRole('status').filter({hasText: 'saved'}).waitFor();
  assert.deepEqual(calls.slice(beforeSave), ['POST /auth/refresh', 'PATCH /auth/me/profile', 'PATCH /auth/me/profile']);
  await load('/docs/balance');

  for (const {path, calls: made} of loads) {
    // the sign-in page also asks which providers to offer ("Continue with …"), once per tab, and for a passkey
    // challenge so that the browser can offer the reader's passkeys in the email field's autofill
    const expected =
      path === '/auth/login'
        ? ['GET /auth/me', 'GET /auth/providers', 'POST /auth/passkeys/authenticate/options']
        : ['GET /auth/me'];
    assert.ok(made.length <= expected.length, `${path} made ${made.length} /auth calls: ${made.join(', ')}`);
    assert.deepEqual([...made].sort(), expected, path);
  }
  await context.close();
});

test('after signing in the reader returns to ?next, but never to another site', async () => {
  const email = await createUser();
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.goto(`${SITE}/docs/balance`);
  await waitForSignedOut(page);
  await navbar(page).getByRole('link', {name: 'Sign in', exact: true}).click();
  await page.waitForURL(`${SITE}/auth/login?next=%2Fdocs%2Fbalance`);
  await page.getByLabel('Email', {exact: true}).fill(email);
  await page.getByLabel('Password', {exact: true}).fill('orbiting kettle 42 sunrise');
  await page.keyboard.press('Enter');
  await page.waitForURL(`${SITE}/docs/balance`);

  await navbar(page).getByRole('button', {name: email}).click();
  await navbar(page).getByRole('menuitem', {name: 'Sign out', exact: true}).click();
  await waitForSignedOut(page);
  await signInThroughForm(page, email, undefined, '//evil.example/steal');
  await page.waitForURL(`${SITE}/`);
  await context.close();
});
