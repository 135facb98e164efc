// Screenshots of the account-lifecycle pages, light and dark, into e2e/artifacts/ for a person to look at.
import {after, before, test} from 'node:test';
import {
  ARTIFACTS,
  PASSWORD,
  SITE,
  createUser,
  launch,
  newContext,
  screenshot as fullPageShot,
  signInThroughForm,
  waitForSignedIn,
} from '../lib/browser.mjs';
import {allMail, linkIn, waitForMail} from '../lib/mail.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** A full-page shot taken from the top, so the sticky navbar is not captured half-way down the page. */
async function screenshot(page, name) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await fullPageShot(page, name);
}

async function openSection(page, name) {
  await page.locator('summary', {has: page.getByRole('heading', {name, exact: true})}).click();
}

for (const scheme of ['light', 'dark']) {
  test(`lifecycle screenshots (${scheme})`, async () => {
    const email = await createUser({experience_level: 'intermediate', professional_role: 'engineer'});
    const guest = await newContext(browser, {colorScheme: scheme});
    const g = await guest.newPage();

    await g.goto(`${SITE}/auth/forgot-password`);
    await g.getByLabel('Email', {exact: true}).waitFor();
    await screenshot(g, `${scheme}-13-forgot-password`);
    const before = allMail();
    await g.getByLabel('Email', {exact: true}).fill(email);
    await g.getByRole('button', {name: 'Send reset link'}).click();
    await g.getByRole('heading', {name: 'Check your email'}).waitFor();
    await screenshot(g, `${scheme}-14-forgot-password-sent`);

    const reset = linkIn(await waitForMail(email, {subject: /reset/i, after: before}), '/auth/reset-password');
    await g.goto(reset);
    await g.getByLabel('New password', {exact: true}).fill('short');
    await g.getByLabel('Confirm new password', {exact: true}).fill('other');
    await g.getByRole('button', {name: 'Set new password'}).click();
    await g.getByText('Use at least 8 characters').waitFor();
    await screenshot(g, `${scheme}-15-reset-password`);

    await g.goto(`${SITE}/auth/verify-email?token=not-a-real-token`);
    await g.getByRole('heading', {name: 'This link did not work'}).waitFor();
    await screenshot(g, `${scheme}-16-verify-email-failed`);
    const signupMail = await waitForMail(email, {subject: /verify/i});

    const context = await newContext(browser, {colorScheme: scheme});
    const page = await context.newPage();
    await signInThroughForm(page, email, PASSWORD, '/docs/intro');
    await waitForSignedIn(page, email);
    await page.getByRole('region', {name: 'Verify your email'}).waitFor();
    await screenshot(page, `${scheme}-17-verify-banner`);
    const beforeResend = allMail();
    await page.getByRole('button', {name: 'Resend'}).click();
    await page.getByRole('region', {name: 'Verify your email'}).getByRole('status').waitFor();
    await page.screenshot({path: `${ARTIFACTS}${scheme}-18-verify-banner-sent.png`});
    const resent = await waitForMail(email, {subject: /verify/i, after: [...beforeResend, signupMail]});
    const verify = linkIn(resent, '/auth/verify-email');

    await page.goto(`${SITE}/auth/account`);
    await page.getByLabel('Experience level', {exact: true}).waitFor();
    await screenshot(page, `${scheme}-19-account-sections`);
    await openSection(page, 'Signed-in devices');
    await page.getByRole('list', {name: 'Signed-in devices'}).waitFor();
    await openSection(page, 'Recent security activity');
    await page.getByRole('list', {name: 'Recent security activity'}).waitFor();
    await screenshot(page, `${scheme}-20-account-devices-activity`);
    await page.reload();
    await page.getByLabel('Experience level', {exact: true}).waitFor();
    await openSection(page, 'Email address');
    await openSection(page, 'Password');
    await page.getByRole('button', {name: 'Change password'}).click();
    await page.getByText('Enter your current password.').first().waitFor();
    await screenshot(page, `${scheme}-21-account-email-password`);
    await page.reload();
    await page.getByLabel('Experience level', {exact: true}).waitFor();
    await openSection(page, 'Your data');
    await openSection(page, 'Delete account');
    await page.getByRole('button', {name: 'Delete my account'}).click();
    await page.getByText('Tick the box').waitFor();
    await screenshot(page, `${scheme}-22-account-data-delete`);

    await page.goto(verify);
    await page.getByRole('heading', {name: 'Your email is verified'}).waitFor();
    await screenshot(page, `${scheme}-23-verify-email`);

    await page.setViewportSize({width: 390, height: 800});
    await page.goto(`${SITE}/auth/account`);
    await page.getByLabel('Experience level', {exact: true}).waitFor();
    await openSection(page, 'Signed-in devices');
    await page.getByRole('list', {name: 'Signed-in devices'}).waitFor();
    await screenshot(page, `${scheme}-24-account-devices-mobile`);
    await context.close();
    await guest.close();
  });
}
