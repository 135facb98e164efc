// The site in two languages: English (left to right) and Urdu (right to left, under /ur/), with the kit's pages
// in the locale's words, and a whole sign-in in Urdu; a screenshot of the Urdu sign-in page for a person to check.
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import {
  PASSWORD,
  SITE,
  createUser,
  launch,
  navbar,
  newContext,
  screenshot,
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

// The Urdu words the pages must show (frontend/site/i18n/ur/code.json), and English ones they must not.
const UR = {
  signIn: 'سائن اِن کریں',
  signInTitle: 'سائن اِن',
  email: 'ای میل',
  password: 'پاس ورڈ',
  signUpTitle: 'اپنا اکاؤنٹ بنائیں',
  createAccount: 'اکاؤنٹ بنائیں',
  experience: 'تجربے کی سطح',
  beginner: 'ابتدائی: روبوٹکس سے پہلا واسطہ',
  role: 'کردار',
  emailRequired: 'اپنا ای میل پتہ درج کریں۔',
  wrongPassword: 'ای میل یا پاس ورڈ غلط ہے۔',
  plainWords: 'آسان الفاظ میں',
};

async function htmlAttributes(page) {
  const html = page.locator('html');
  return {dir: await html.getAttribute('dir'), lang: await html.getAttribute('lang')};
}

test('an English page is left to right, in English', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.goto(`${SITE}/auth/login`);
  await page.getByLabel('Email', {exact: true}).waitFor();
  assert.deepEqual(await htmlAttributes(page), {dir: 'ltr', lang: 'en'});
  await page.getByRole('button', {name: 'Sign In', exact: true}).waitFor();
  assert.equal(await page.getByText(UR.email, {exact: true}).count(), 0);
  await context.close();
});

test('the Urdu sign-in and sign-up pages are right to left, with the kit in Urdu', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();

  await page.goto(`${SITE}/ur/auth/login`);
  await page.getByLabel(UR.email, {exact: true}).waitFor();
  assert.deepEqual(await htmlAttributes(page), {dir: 'rtl', lang: 'ur'});
  await page.getByRole('heading', {name: UR.signInTitle, exact: true}).waitFor();
  await page.getByLabel(UR.password, {exact: true}).waitFor();
  // the navbar item is the kit's too
  await navbar(page).getByRole('link', {name: UR.signIn, exact: true}).waitFor();
  for (const english of ['Sign In', 'Forgot password?', 'Email', 'Password']) {
    assert.equal(await page.getByText(english, {exact: true}).count(), 0, `"${english}" on the Urdu page`);
  }
  // right to left for real: the form's labels start at the right edge of the card
  const card = await page.locator('.authgate-card').boundingBox();
  const label = await page.getByText(UR.email, {exact: true}).boundingBox();
  assert.ok(card.x + card.width - (label.x + label.width) < label.x - card.x, 'the label sits on the right');

  // form errors come in Urdu too
  await page.getByRole('button', {name: UR.signIn, exact: true}).click();
  await page.getByText(UR.emailRequired, {exact: true}).waitFor();
  await screenshot(page, 'i18n-ur-sign-in-rtl');

  await page.goto(`${SITE}/ur/auth/signup`);
  await page.getByRole('heading', {name: UR.signUpTitle, exact: true}).waitFor();
  assert.deepEqual(await htmlAttributes(page), {dir: 'rtl', lang: 'ur'});
  await page.getByLabel(UR.experience, {exact: true}).waitFor();
  await page.getByRole('option', {name: UR.beginner, exact: true}).waitFor({state: 'attached'});
  await page.getByLabel(UR.role, {exact: true}).waitFor();
  await page.getByRole('button', {name: UR.createAccount, exact: true}).waitFor();
  await screenshot(page, 'i18n-ur-sign-up-rtl');
  await context.close();
});

test('a reader signs in on the Urdu site and reads the Urdu chapter signed in', async () => {
  const email = await createUser({experience_level: 'beginner', professional_role: 'student'});
  const context = await newContext(browser);
  const page = await context.newPage();

  await page.goto(`${SITE}/ur/docs/intro`);
  await waitForSignedOut(page, UR.signIn);
  assert.deepEqual(await htmlAttributes(page), {dir: 'rtl', lang: 'ur'});
  await page.getByRole('link', {name: UR.signIn, exact: true}).first().click();
  await page.waitForURL(/\/ur\/auth\/login/);

  // a wrong password first: the API's English detail is said in Urdu
  await page.getByLabel(UR.email, {exact: true}).fill(email);
  await page.getByLabel(UR.password, {exact: true}).fill('not the password');
  await page.getByRole('button', {name: UR.signIn, exact: true}).click();
  assert.equal((await page.getByRole('alert').textContent()).trim(), UR.wrongPassword);

  await page.getByLabel(UR.password, {exact: true}).fill(PASSWORD);
  await page.getByRole('button', {name: UR.signIn, exact: true}).click();
  await page.waitForURL(`${SITE}/ur/docs/intro`);
  await waitForSignedIn(page, email);
  // the beginner's notes of the Urdu chapter, shown to the signed-in reader
  await page.getByText(UR.plainWords, {exact: true}).waitFor();
  assert.deepEqual(await htmlAttributes(page), {dir: 'rtl', lang: 'ur'});
  await context.close();
});
