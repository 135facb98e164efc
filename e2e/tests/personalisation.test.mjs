// Content that follows the reader's profile: sign up with a profile, edit it, and the signed-out view.
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import {SITE, launch, newContext, uniqueEmail, PASSWORD, waitForSignedIn, waitForSignedOut} from '../lib/browser.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const article = (page) => page.locator('article');

async function visible(page, text) {
  return article(page).getByText(text, {exact: false}).isVisible();
}

test('sign up with a profile, then the chapters match it; edit it and they follow', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const email = uniqueEmail('signup');

  await page.goto(`${SITE}/auth/signup?next=${encodeURIComponent('/docs/intro')}`);
  await page.getByLabel('Email', {exact: true}).fill(email);
  await page.getByLabel('Password', {exact: true}).fill(PASSWORD);
  await page.getByLabel('Experience level', {exact: true}).selectOption('beginner');
  await page.getByLabel('Role', {exact: true}).selectOption('researcher');
  await page.getByLabel('Organization', {exact: true}).fill('Humanoid Lab');
  await page.getByRole('button', {name: 'Create account'}).click();

  await page.waitForURL(`${SITE}/docs/intro`);
  await waitForSignedIn(page, email);
  await article(page).getByText('In plain words').waitFor();
  assert.equal(await visible(page, 'For researchers:'), true);
  assert.equal(await visible(page, 'The control stack'), false);
  assert.equal(await visible(page, 'Where the field is'), false);
  assert.equal(await visible(page, 'For engineers:'), false);
  assert.equal(await visible(page, 'Sign in to see this chapter'), false);

  // Edit the profile on the account page
  await page.goto(`${SITE}/auth/account`);
  await page.getByLabel('Experience level', {exact: true}).selectOption('advanced');
  await page.getByLabel('Role', {exact: true}).selectOption('other');
  await page.getByLabel('Your role', {exact: true}).fill('Science writer');
  await page.getByRole('button', {name: 'Save changes'}).click();
  await page.getByRole('status').filter({hasText: 'saved'}).waitFor();

  // A full page load: the content follows the profile stored by the API
  await page.goto(`${SITE}/docs/intro`);
  await article(page).getByText('Where the field is').waitFor();
  assert.equal(await visible(page, 'In plain words'), false);
  assert.equal(await visible(page, 'Whatever brought you here'), true);
  assert.equal(await visible(page, 'For researchers:'), false);

  // and a client-side navigation too
  await page.goto(`${SITE}/auth/account`);
  await page.getByLabel('Role', {exact: true}).selectOption('engineer');
  await page.getByRole('button', {name: 'Save changes'}).click();
  await page.getByRole('status').filter({hasText: 'saved'}).waitFor();
  await page.locator('nav.navbar').getByRole('link', {name: 'Textbook'}).click();
  await article(page).getByText('For engineers:').waitFor();
  assert.equal(await visible(page, 'Whatever brought you here'), false);
  await context.close();
});

test('a signed-out visitor sees the signed-out content and none of the personalised parts', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.goto(`${SITE}/`);
  await waitForSignedOut(page);
  await page.getByText('You are reading as a guest').waitFor();
  for (const text of ['Welcome back', 'Your path: beginner', 'Your path: intermediate', 'Your path: advanced']) {
    assert.equal(await page.getByText(text).isVisible(), false, text);
  }
  await page.goto(`${SITE}/docs/intro`);
  await article(page).getByText('to see this chapter').waitFor();
  assert.equal(await visible(page, 'In plain words'), false);
  await context.close();
});

test('the static HTML holds no signed-in or signed-out content (no flash before hydration)', async () => {
  const html = await (await fetch(`${SITE}/docs/intro`)).text();
  assert.match(html, /What is a humanoid robot/);
  for (const text of ['to see this chapter', 'In plain words', 'For researchers:', 'Sign in</a>']) {
    assert.equal(html.includes(text), false, text);
  }
});
