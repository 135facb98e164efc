// Forgot password and email verification end to end: the API mails a real SMTP server (e2e/mailsink.py),
// the test reads the message from disk and opens its link in Chromium, as a reader would.
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import {
  PASSWORD,
  SITE,
  createUser,
  launch,
  navbar,
  newContext,
  uniqueEmail,
  waitForSignedIn,
} from '../lib/browser.mjs';
import {allMail, linkIn, waitForMail} from '../lib/mail.mjs';

const NEW_PASSWORD = 'lantern meadow 77 quietly';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

function banner(page) {
  return page.getByRole('region', {name: 'Verify your email'});
}

test('forgot password: the mailed link sets a new password; the old one stops working; the link works once', async () => {
  const email = await createUser();
  const context = await newContext(browser);
  const page = await context.newPage();

  await page.goto(`${SITE}/auth/login`);
  await page.getByRole('link', {name: 'Forgot password?'}).click();
  await page.waitForURL(`${SITE}/auth/forgot-password`);
  const before = allMail();
  await page.getByLabel('Email', {exact: true}).fill(email);
  await page.getByRole('button', {name: 'Send reset link'}).click();
  await page.getByRole('heading', {name: 'Check your email'}).waitFor();

  const mail = await waitForMail(email, {subject: /reset/i, after: before});
  const link = linkIn(mail, '/auth/reset-password');
  assert.ok(link.startsWith(`${SITE}/auth/reset-password?token=`), link);

  await page.goto(link);
  // the token leaves the address bar as soon as the page has read it
  await page.waitForURL(`${SITE}/auth/reset-password`);
  await page.getByLabel('New password', {exact: true}).fill(NEW_PASSWORD);
  await page.getByLabel('Confirm new password', {exact: true}).fill(NEW_PASSWORD);
  await page.getByRole('button', {name: 'Set new password'}).click();
  await page.getByRole('heading', {name: 'Your password is changed'}).waitFor();
  await page.getByRole('main').getByRole('link', {name: 'Sign in', exact: true}).click();
  await page.waitForURL(`${SITE}/auth/login`);

  await page.getByLabel('Email', {exact: true}).fill(email);
  await page.getByLabel('Password', {exact: true}).fill(PASSWORD);
  await page.getByRole('button', {name: 'Sign In', exact: true}).click();
  await page.getByRole('alert').filter({hasText: 'Invalid email or password'}).waitFor();

  await page.getByLabel('Password', {exact: true}).fill(NEW_PASSWORD);
  await page.getByRole('button', {name: 'Sign In', exact: true}).click();
  await waitForSignedIn(page, email);

  // the same link again: single-use
  const replay = await context.newPage();
  await replay.goto(link);
  await replay.getByLabel('New password', {exact: true}).fill('another password 123');
  await replay.getByLabel('Confirm new password', {exact: true}).fill('another password 123');
  await replay.getByRole('button', {name: 'Set new password'}).click();
  const alert = replay.getByRole('alert');
  await alert.waitFor();
  assert.equal(await alert.getByRole('link', {name: 'Send me a new link'}).isVisible(), true);
  await context.close();
});

test('sign up, see the banner, open the verification link from the mail: the banner goes', async () => {
  const email = uniqueEmail('verify');
  const context = await newContext(browser);
  const page = await context.newPage();
  const before = allMail();

  await page.goto(`${SITE}/auth/signup`);
  await page.getByLabel('Email', {exact: true}).fill(email);
  await page.getByLabel('Password', {exact: true}).fill(PASSWORD);
  await page.getByLabel('Experience level', {exact: true}).selectOption('beginner');
  await page.getByLabel('Role', {exact: true}).selectOption('student');
  await page.getByRole('button', {name: 'Create account'}).click();
  await waitForSignedIn(page, email);
  await banner(page).waitFor();
  assert.match(await banner(page).textContent(), new RegExp(email.replace(/[.]/g, '\\.')));
  const first = await waitForMail(email, {subject: /verify/i, after: before});

  // "Resend" mails a new link; only the newest one counts
  await banner(page).getByRole('button', {name: 'Resend'}).click();
  await banner(page).getByRole('status').filter({hasText: 'Check your inbox'}).waitFor();
  const second = await waitForMail(email, {subject: /verify/i, after: [...before, first]});
  const oldLink = linkIn(first, '/auth/verify-email');
  const newLink = linkIn(second, '/auth/verify-email');
  assert.notEqual(oldLink, newLink);

  await page.goto(oldLink);
  await page.getByRole('heading', {name: 'This link did not work'}).waitFor();
  await page.goto(`${SITE}/docs/intro`);
  await banner(page).waitFor();

  await page.goto(newLink);
  await page.getByRole('heading', {name: 'Your email is verified'}).waitFor();
  await page.waitForURL(`${SITE}/auth/verify-email`);
  await page.getByRole('link', {name: 'Continue reading'}).click();
  await waitForSignedIn(page, email);
  await page.reload();
  await waitForSignedIn(page, email);
  assert.equal(await banner(page).count(), 0);
  await context.close();
});

test('a reader who opens the verification link signed out is told so, and nothing else changes', async () => {
  const email = await createUser();
  const mail = await waitForMail(email, {subject: /verify/i});
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.goto(linkIn(mail, '/auth/verify-email'));
  await page.getByRole('heading', {name: 'Your email is verified'}).waitFor();
  await page.getByRole('main').getByRole('link', {name: 'Sign in', exact: true}).click();
  await page.getByLabel('Email', {exact: true}).fill(email);
  await page.getByLabel('Password', {exact: true}).fill(PASSWORD);
  await page.getByRole('button', {name: 'Sign In', exact: true}).click();
  await waitForSignedIn(page, email);
  assert.equal(await banner(page).count(), 0);
  assert.equal(await navbar(page).getByRole('button', {name: email}).isVisible(), true);
  await context.close();
});

