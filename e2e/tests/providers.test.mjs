// "Continue with University": a real OpenID provider (panva's oidc-provider) on loopback, its own login and consent
// pages, back to the site signed in, the profile asked once, then the chapter at the reader's level.
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import {randomUUID} from 'node:crypto';
import {SITE, launch, newContext, screenshot, waitForSignedIn} from '../lib/browser.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('continue with an OpenID provider: its login page, back signed in, the profile asked once, the chapter', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('pageerror', (err) => consoleErrors.push(err.message));
  const login = `reader-${randomUUID().slice(0, 8)}`;

  await page.goto(`${SITE}/auth/login?next=${encodeURIComponent('/docs/intro')}`);
  await page.getByRole('link', {name: 'Continue with University'}).click();

  // the provider's own pages (oidc-provider's development login, then consent)
  await page.locator('input[name=login]').fill(login);
  await page.locator('input[name=password]').fill('any password at all');
  await page.locator('button[type=submit]').click();
  await page.locator('button[type=submit]').click();

  // back on the site, signed in; a reader who came through a provider says who they are first
  await page.waitForURL((url) => url.pathname === '/auth/complete-profile');
  await page.getByRole('heading', {name: 'Tell us about yourself'}).waitFor();
  await screenshot(page, 'provider-complete-profile');
  await page.getByLabel('Experience level', {exact: true}).selectOption('beginner');
  await page.getByLabel('Role', {exact: true}).selectOption('student');
  await page.getByRole('button', {name: 'Continue'}).click();

  await page.waitForURL(`${SITE}/docs/intro`);
  await waitForSignedIn(page, `${login}@example.org`);
  await page.locator('article').getByText('In plain words').waitFor();

  // the account page lists the connected provider
  await page.goto(`${SITE}/auth/account`);
  await page.getByText('Connected accounts').click();
  await page.getByRole('list', {name: 'Connected accounts'}).getByText('University').waitFor();
  await screenshot(page, 'provider-connected-accounts');
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('a provider error comes back to the sign-in page in words', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.goto(`${SITE}/auth/login?error=OAUTH_LINK_REQUIRED`);
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.innerText(), /already uses this email address/);
  await context.close();
});

test('continue with GitHub: its sign-in page, back signed in, the profile page, the chapter at that level', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const name = `octo-${randomUUID().slice(0, 8)}`;

  await page.goto(`${SITE}/auth/signup?next=${encodeURIComponent('/docs/intro')}`);
  await page.getByRole('link', {name: 'Continue with GitHub'}).click();
  await page.getByRole('heading', {name: 'Sign in to GitHub'}).waitFor();
  await screenshot(page, 'provider-github-sign-in');
  await page.getByLabel('Username').fill(name);
  await page.getByRole('button', {name: 'Authorize'}).click();

  await page.waitForURL((url) => url.pathname === '/auth/complete-profile');
  await page.getByLabel('Experience level', {exact: true}).selectOption('advanced');
  await page.getByLabel('Role', {exact: true}).selectOption('engineer');
  await page.getByRole('button', {name: 'Continue'}).click();
  await page.waitForURL(`${SITE}/docs/intro`);
  await waitForSignedIn(page, `${name}@users.example.org`);
  await page.locator('article').getByText('Where the field is').waitFor();
  assert.equal(await page.locator('article').getByText('For engineers:').isVisible(), true);
  await context.close();
});
