// Screenshots of every page, light and dark, into e2e/artifacts/ for a person to look at.
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import {
  ARTIFACTS,
  SITE,
  createUser,
  launch,
  navbar,
  newContext,
  screenshot,
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

for (const scheme of ['light', 'dark']) {
  test(`screenshots (${scheme})`, async () => {
    const email = await createUser({
      experience_level: 'intermediate',
      professional_role: 'engineer',
      organization: 'Bipedal Works',
    });
    const context = await newContext(browser, {colorScheme: scheme});
    const page = await context.newPage();

    await page.goto(`${SITE}/`);
    await waitForSignedOut(page);
    assert.equal(await page.locator('html').getAttribute('data-theme'), scheme);
    await screenshot(page, `${scheme}-1-home-signed-out`);

    await page.goto(`${SITE}/auth/login?next=%2Fdocs%2Fkinematics`);
    await page.getByLabel('Email', {exact: true}).waitFor();
    await screenshot(page, `${scheme}-2-sign-in`);
    await page.getByRole('button', {name: 'Sign In', exact: true}).click();
    await page.getByLabel('Email', {exact: true}).fill('ada@');
    await page.getByLabel('Password', {exact: true}).fill('nope');
    await page.getByRole('button', {name: 'Sign In', exact: true}).click();
    await page.getByText('Enter a valid email address').waitFor();
    await screenshot(page, `${scheme}-3-sign-in-field-error`);
    await page.getByLabel('Email', {exact: true}).fill(email);
    await page.getByRole('button', {name: 'Sign In', exact: true}).click();
    await page.getByRole('alert').waitFor();
    await screenshot(page, `${scheme}-4-sign-in-wrong-password`);

    await page.goto(`${SITE}/auth/signup`);
    await page.getByLabel('Role', {exact: true}).selectOption('other');
    await page.getByLabel('Your role', {exact: true}).waitFor();
    await screenshot(page, `${scheme}-5-sign-up`);

    await signInThroughForm(page, email, undefined, '/docs/kinematics');
    await page.waitForURL(`${SITE}/docs/kinematics`);
    await waitForSignedIn(page, email);
    await page.getByText('Try it').waitFor();
    await screenshot(page, `${scheme}-6-chapter-signed-in`);
    await navbar(page).getByRole('button', {name: email}).click();
    await navbar(page).getByRole('menuitem', {name: 'Account'}).waitFor();
    await page.waitForTimeout(400); // let the menu finish fading in
    await page.screenshot({path: `${ARTIFACTS}${scheme}-7-navbar-menu.png`});

    await page.goto(`${SITE}/`);
    await waitForSignedIn(page, email);
    await screenshot(page, `${scheme}-8-home-signed-in`);

    await page.goto(`${SITE}/auth/account`);
    await page.getByLabel('Experience level', {exact: true}).waitFor();
    await screenshot(page, `${scheme}-9-account`);

    // A phone: the account page, and the navbar's sidebar with the reader's menu entries
    await page.setViewportSize({width: 390, height: 800});
    await page.reload();
    await page.getByLabel('Experience level', {exact: true}).waitFor();
    await screenshot(page, `${scheme}-10-account-mobile`);
    await page.getByRole('button', {name: 'Toggle navigation bar'}).click();
    await page.locator('.navbar-sidebar').getByRole('button', {name: 'Sign out'}).waitFor();
    await page.waitForTimeout(600); // let the sidebar finish sliding in
    await page.screenshot({path: `${ARTIFACTS}${scheme}-11-sidebar-mobile.png`});

    const guest = await newContext(browser, {colorScheme: scheme, viewport: {width: 390, height: 800}});
    const guestPage = await guest.newPage();
    await guestPage.goto(`${SITE}/auth/login`);
    await guestPage.getByLabel('Email', {exact: true}).waitFor();
    await screenshot(guestPage, `${scheme}-12-sign-in-mobile`);
    await guest.close();
    await context.close();
  });
}
