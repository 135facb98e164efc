// The quickstart's five frontend checks, plus the wrong-password message and the HttpOnly cookie.
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import {
  API,
  PASSWORD,
  SITE,
  createUser,
  launch,
  navbar,
  newContext,
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

test('quickstart: sign in at /auth/login, land on the home page, email in the navbar, sign out clears the session', async () => {
  const email = await createUser();
  const context = await newContext(browser);
  const page = await context.newPage();

  // 1. navigate to /auth/login   2. enter credentials, click "Sign In"
  await signInThroughForm(page, email);
  // 3. redirected to the home page
  await page.waitForURL(`${SITE}/`);
  // 4. the email appears in the navbar
  await waitForSignedIn(page, email);
  assert.equal(await navbar(page).getByRole('button', {name: email}).textContent(), email);

  // 5. log out, the session is cleared
  await navbar(page).getByRole('button', {name: email}).click();
  const loggedOut = page.waitForResponse((r) => r.url() === `${API}/auth/logout`);
  await navbar(page).getByRole('menuitem', {name: 'Sign out', exact: true}).click();
  await waitForSignedOut(page);
  assert.equal((await loggedOut).status(), 204);
  const cookies = await context.cookies(`${API}/auth`);
  assert.equal(cookies.filter((c) => c.name === 'refresh_token' && c.value).length, 0, 'refresh cookie cleared');
  await page.reload();
  await waitForSignedOut(page);
  await context.close();
});

test('a wrong password shows the API message in an alert', async () => {
  const email = await createUser();
  const context = await newContext(browser);
  const page = await context.newPage();
  await signInThroughForm(page, email, 'not my password at all');
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.equal((await alert.textContent()).trim(), 'Invalid email or password');
  assert.equal(new URL(page.url()).pathname, '/auth/login');
  assert.equal(await page.getByRole('button', {name: 'Sign In', exact: true}).isEnabled(), true);
  await context.close();
});

test('the refresh cookie is HttpOnly: absent from document.cookie', async () => {
  const email = await createUser();
  const context = await newContext(browser);
  const page = await context.newPage();
  await signInThroughForm(page, email, PASSWORD);
  await waitForSignedIn(page, email);

  const refresh = (await context.cookies()).find((c) => c.name === 'refresh_token');
  assert.ok(refresh, 'the API set a refresh_token cookie');
  assert.equal(refresh.httpOnly, true);
  assert.equal(refresh.domain, 'localhost');
  assert.equal(refresh.path, '/auth');
  assert.doesNotMatch(await page.evaluate(() => document.cookie), /refresh_token/);
  // and the access token is nowhere in web storage
  const stored = await page.evaluate(() => JSON.stringify({...localStorage}) + JSON.stringify({...sessionStorage}));
  assert.doesNotMatch(stored, /eyJ/);
  await context.close();
});
