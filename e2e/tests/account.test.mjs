// The account page's lifecycle sections in Chromium against the real API: devices (two browser contexts),
// password change, data export, recent activity and account deletion.
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import {readFile} from 'node:fs/promises';
import {
  API,
  PASSWORD,
  SITE,
  createUser,
  launch,
  newContext,
  signInThroughForm,
  waitForSignedIn,
  waitForSignedOut,
} from '../lib/browser.mjs';

const NEW_PASSWORD = 'copper harbour 19 evening';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** A fresh browser context signed in as `email`, on `path`. */
async function signedInPage(email, path = '/auth/account', password = PASSWORD) {
  const context = await newContext(browser);
  const page = await context.newPage();
  await signInThroughForm(page, email, password);
  await waitForSignedIn(page, email);
  await page.goto(`${SITE}${path}`);
  await waitForSignedIn(page, email);
  return {context, page};
}

/** Opens the account section called `name` (with the keyboard, as a reader without a mouse would). */
async function openSection(page, name) {
  const summary = page.locator('summary', {has: page.getByRole('heading', {name, exact: true})});
  await summary.focus();
  await page.keyboard.press('Enter');
  const section = page.locator('details', {has: summary});
  await section.and(page.locator('[open]')).waitFor();
  return section;
}

test('devices: two sign-ins are listed, and revoking the other signs that browser out', async () => {
  const email = await createUser();
  const phone = await signedInPage(email, '/docs/intro');
  const laptop = await signedInPage(email);

  const section = await openSection(laptop.page, 'Signed-in devices');
  const items = section.getByRole('list', {name: 'Signed-in devices'}).getByRole('listitem');
  // three sign-ins: the API call that created the account (createUser signs up), the phone and this laptop
  await items.nth(2).waitFor();
  assert.equal(await items.count(), 3);
  const mine = items.filter({hasText: 'This device'});
  assert.equal(await mine.count(), 1);
  assert.equal(await mine.getByRole('button').count(), 0);
  const others = items.filter({hasNotText: 'This device'});
  assert.equal(await others.filter({hasText: 'Chrome on Linux'}).count(), 1); // the phone (a browser)

  for (let left = 2; left > 0; left -= 1) {
    await others.first().getByRole('button', {name: /^Sign out /}).click();
    await section.getByRole('status').filter({hasText: 'Signed out'}).waitFor();
    await others.nth(left - 1).waitFor({state: 'detached'});
  }
  assert.equal(await items.count(), 1);

  // the other browser finds out the next time it asks (a reload: GET /auth/me with its revoked cookie)
  await phone.page.reload();
  await waitForSignedOut(phone.page);
  // and this one is unaffected
  await laptop.page.reload();
  await waitForSignedIn(laptop.page, email);

  const activity = await openSection(laptop.page, 'Recent security activity');
  const events = activity.getByRole('list', {name: 'Recent security activity'}).getByRole('listitem');
  await events.first().waitFor();
  assert.ok((await events.allTextContents()).some((t) => t.startsWith('Signed in')));
  await phone.context.close();
  await laptop.context.close();
});

test('change password: this browser stays signed in, the other is signed out, the new password works', async () => {
  const email = await createUser();
  const other = await signedInPage(email, '/docs/intro');
  const {context, page} = await signedInPage(email);

  const section = await openSection(page, 'Password');
  await section.getByLabel('Current password', {exact: true}).fill(PASSWORD);
  await section.getByLabel('New password', {exact: true}).fill(NEW_PASSWORD);
  await section.getByLabel('Confirm new password', {exact: true}).fill(NEW_PASSWORD);
  await section.getByRole('button', {name: 'Change password'}).click();
  await section.getByRole('status').filter({hasText: 'Your password is changed'}).waitFor();

  // this tab keeps working with the token the API answered (an authenticated call right away)
  const devices = await openSection(page, 'Signed-in devices');
  const items = devices.getByRole('list', {name: 'Signed-in devices'}).getByRole('listitem');
  await items.first().waitFor();
  assert.equal(await items.count(), 1);

  await other.page.reload();
  await waitForSignedOut(other.page);

  const fresh = await signedInPage(email, '/', NEW_PASSWORD);
  await fresh.context.close();
  const old = await fetch(`${API}/auth/login`, {
    method: 'POST',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({email, password: PASSWORD}),
  });
  assert.equal(old.status, 401);
  await other.context.close();
  await context.close();
});

test('export downloads a JSON file with the reader, profile, sessions and events', async () => {
  const email = await createUser({experience_level: 'advanced', professional_role: 'researcher'});
  const {context, page} = await signedInPage(email);
  const section = await openSection(page, 'Your data');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    section.getByRole('button', {name: 'Download my data'}).click(),
  ]);
  assert.match(download.suggestedFilename(), /^authgate-export-\d{4}-\d{2}-\d{2}\.json$/);
  const data = JSON.parse(await readFile(await download.path(), 'utf8'));
  assert.equal(data.user.email, email);
  assert.equal(data.profile.experience_level, 'advanced');
  assert.ok(Array.isArray(data.sessions) && data.sessions.length >= 1);
  assert.ok(Array.isArray(data.events) && data.events.length >= 1);
  assert.doesNotMatch(JSON.stringify(data), /password_hash|token_hash|\$argon2/);
  await section.getByRole('status').filter({hasText: 'authgate-export-'}).waitFor();
  await context.close();
});

test('delete account: needs the password and the tick, then the reader is signed out and cannot sign in', async () => {
  const email = await createUser();
  const {context, page} = await signedInPage(email);
  const section = await openSection(page, 'Delete account');

  await section.getByLabel('Current password', {exact: true}).fill(PASSWORD);
  await section.getByRole('button', {name: 'Delete my account'}).click();
  await section.getByText('Tick the box').waitFor();
  await section.getByRole('checkbox').check();
  await section.getByLabel('Current password', {exact: true}).fill('not my password at all');
  await section.getByRole('button', {name: 'Delete my account'}).click();
  await section.locator('.authgate-field__error').filter({hasText: /password/i}).waitFor();

  await section.getByLabel('Current password', {exact: true}).fill(PASSWORD);
  await section.getByRole('button', {name: 'Delete my account'}).click();
  await page.getByRole('heading', {name: 'Your account is deleted'}).waitFor();
  await waitForSignedOut(page);

  await signInThroughForm(page, email);
  await page.getByRole('alert').filter({hasText: 'Invalid email or password'}).waitFor();
  await context.close();
});
