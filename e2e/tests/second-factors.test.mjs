// Second factors and passkeys in Chromium against the real API: a passkey made by Chromium's virtual authenticator
// (DevTools protocol, WebAuthn domain) on the account page and used to sign in; an authenticator app whose codes the
// test computes from the key the page shows (RFC 6238); the challenge page with an app code and with a backup code;
// and screenshots of the new pages and section in light and dark.
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import {createHmac, randomUUID} from 'node:crypto';
import {readFile} from 'node:fs/promises';
import {
  ARTIFACTS,
  PASSWORD,
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

// ---- RFC 6238 (TOTP: HMAC-SHA-1, 30-second steps, 6 digits), for the test's own "authenticator app" ----

function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const char of text.replace(/[\s=]/g, '').toUpperCase()) {
    const value = alphabet.indexOf(char);
    if (value < 0) throw new Error(`not base32: ${char}`);
    bits += value.toString(2).padStart(5, '0');
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

function totpAt(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(value).padStart(6, '0');
}

/**
 * An authenticator app: the code of the current step, or of the next one when the current one was used already
 * (the API accepts one step either side of now, and each step once).
 */
function authenticatorApp(secret) {
  let last = -1;
  return {
    async code() {
      let step = Math.max(Math.floor(Date.now() / 30_000), last + 1);
      while (step > Math.floor(Date.now() / 30_000) + 1) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      last = step;
      return totpAt(secret, step);
    },
  };
}

test('the RFC 6238 helper gives the RFC test vectors (SHA-1, last 6 digits)', () => {
  const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'; // "12345678901234567890"
  assert.equal(totpAt(secret, Math.floor(59 / 30)), '287082');
  assert.equal(totpAt(secret, Math.floor(1111111109 / 30)), '081804');
  assert.equal(totpAt(secret, Math.floor(20000000000 / 30)), '353130');
});

// ---- Chromium's virtual authenticator: a platform authenticator with user verification, passkeys stored on it ----

async function addVirtualAuthenticator(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const {authenticatorId} = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    async credentials() {
      return (await cdp.send('WebAuthn.getCredentials', {authenticatorId})).credentials;
    },
  };
}

/**
 * Chromium's virtual authenticator answers a conditional request (the passkeys offered in the email field's
 * autofill) at once, as if the reader had picked the first passkey there. Pages of this context can turn that
 * offer off (`autofillPasskeys(page, false)`: the browser then says it has no such autofill), to sign in with
 * the password or the button instead.
 */
async function allowAutofillSwitch(context) {
  await context.addInitScript(() => {
    if (window.localStorage.getItem('e2e-autofill-passkeys') === 'off' && window.PublicKeyCredential) {
      window.PublicKeyCredential.isConditionalMediationAvailable = async () => false;
    }
  });
}

async function autofillPasskeys(page, on) {
  await page.evaluate((value) => window.localStorage.setItem('e2e-autofill-passkeys', value), on ? 'on' : 'off');
}

/** Opens the account section called `name`. */
async function openSection(page, name) {
  const summary = page.locator('summary', {has: page.getByRole('heading', {name, exact: true})});
  await summary.click();
  const section = page.locator('details', {has: summary});
  await section.and(page.locator('[open]')).waitFor();
  return section;
}

/** Signs out through the navbar menu, and waits until the API has ended the session (before any navigation). */
async function signOutHere(page, email) {
  await navbar(page).getByRole('button', {name: email}).click();
  const loggedOut = page.waitForResponse((res) => new URL(res.url()).pathname === '/auth/logout');
  await navbar(page).getByRole('menuitem', {name: 'Sign out', exact: true}).click();
  await waitForSignedOut(page);
  await loggedOut;
}

/** A fresh context signed in as a new reader, on the account page, with the Sign-in security section open. */
async function readerOnSecurity(options = {}) {
  const email = await createUser();
  const context = await newContext(browser, options);
  await allowAutofillSwitch(context);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await signInThroughForm(page, email);
  await waitForSignedIn(page, email);
  await page.goto(`${SITE}/auth/account`);
  await waitForSignedIn(page, email);
  const section = await openSection(page, 'Sign-in security');
  return {email, context, page, section, errors};
}

/**
 * Answers "Confirm it is you" with the password: adding or taking away a factor asks for it however recent the
 * sign-in, and offers no passkey instead (a passkey alone cannot vouch for a change of factors).
 */
async function confirmWithPassword(section) {
  const prompt = section.getByRole('form', {name: 'Confirm it is you'});
  await prompt.getByLabel('Your password').fill(PASSWORD);
  assert.equal(await prompt.getByRole('button', {name: 'Use a passkey instead'}).count(), 0);
  await prompt.getByRole('button', {name: 'Confirm'}).click();
}

/** Clicks "Add a passkey" and confirms with the password. */
async function addPasskeyHere(section) {
  await section.getByRole('button', {name: 'Add a passkey'}).click();
  await confirmWithPassword(section);
}

/**
 * Turns on the app in the open section (confirming with the password, for a reader who has one); returns the
 * reader's app and the backup codes shown.
 */
async function setUpApp(page, section, {hasPassword = true} = {}) {
  await section.getByRole('button', {name: 'Set up an authenticator app'}).click();
  if (hasPassword) await confirmWithPassword(section);
  const qr = section.getByRole('img', {name: 'QR code for your authenticator app'});
  await qr.waitFor();
  // the server's SVG is drawn as an image (never put into the page)
  assert.ok(await qr.evaluate((img) => img.complete && img.naturalWidth > 0), 'the QR code image loads');
  assert.match(await qr.getAttribute('src'), /^data:image\/svg\+xml/);
  const grouped = await section.getByLabel('Key for your authenticator app').innerText();
  assert.match(grouped, /^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/);
  const app = authenticatorApp(grouped.replace(/\s+/g, ''));
  await section.getByLabel('Code from the app').fill(await app.code());
  await section.getByRole('button', {name: 'Turn on'}).click();
  const list = section.getByRole('list', {name: 'Backup codes'});
  await list.waitFor();
  const codes = (await list.getByRole('listitem').allInnerTexts()).map((c) => c.trim());
  assert.equal(codes.length, 10);
  for (const code of codes) assert.match(code, /^[a-z2-9]{5}-[a-z2-9]{5}$/);
  return {app, codes};
}

test('a passkey: added on the account page, then signing in with it from the autofill and with the button', async () => {
  const {email, context, page, section, errors} = await readerOnSecurity();
  const authenticator = await addVirtualAuthenticator(page);

  await section.getByText('You have no passkeys yet.').waitFor();
  await section.getByLabel('Name of the new passkey').fill('Test laptop');
  await addPasskeyHere(section);
  await section.getByRole('status').filter({hasText: 'Passkey “Test laptop” added.'}).waitFor();
  const list = section.getByRole('list', {name: 'Your passkeys'});
  await list.getByText('Test laptop').waitFor();
  // a discoverable credential for this site (RP ID "localhost"), kept on the authenticator
  const stored = await authenticator.credentials();
  assert.equal(stored.length, 1);
  assert.equal(stored[0].isResidentCredential, true);
  assert.equal(stored[0].rpId, 'localhost');
  // the same authenticator cannot hold a second passkey for the account (the API excludes the first)
  await addPasskeyHere(section);
  await section.getByRole('alert').getByText('already holds a passkey for your account').waitFor();
  assert.equal((await authenticator.credentials()).length, 1);

  // renaming keeps it; the list says so after a reload too
  await list.getByRole('button', {name: 'Rename Test laptop'}).click();
  await list.getByLabel('New name').fill('Work laptop');
  await list.getByRole('button', {name: 'Save'}).click();
  await list.getByText('Work laptop').waitFor();

  // the sign-in page offers the passkey in the email field's autofill (the virtual authenticator picks it)
  await signOutHere(page, email);
  await page.goto(`${SITE}/auth/login?next=${encodeURIComponent('/docs/intro')}`);
  await page.waitForURL(`${SITE}/docs/intro`);
  await waitForSignedIn(page, email);

  // and "Sign in with a passkey", where the browser has no such autofill
  await autofillPasskeys(page, false);
  await signOutHere(page, email);
  await page.goto(`${SITE}/auth/login?next=${encodeURIComponent('/docs/balance')}`);
  assert.equal(await page.getByLabel('Email', {exact: true}).getAttribute('autocomplete'), 'username webauthn');
  await page.getByRole('button', {name: 'Sign in with a passkey'}).click();
  await page.waitForURL(`${SITE}/docs/balance`);
  await waitForSignedIn(page, email);

  // the account page shows the passkey as used
  await page.goto(`${SITE}/auth/account`);
  const again = await openSection(page, 'Sign-in security');
  const item = again.getByRole('list', {name: 'Your passkeys'}).getByRole('listitem').filter({hasText: 'Work laptop'});
  await item.getByText(/last used/).waitFor();

  // removing it asks for the password, though the sign-in is recent (taking a factor away, like adding one)
  await item.getByRole('button', {name: 'Remove Work laptop'}).click();
  await confirmWithPassword(again);
  await again.getByText('You have no passkeys yet.').waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test('an authenticator app: set up with a code, then signing in asks for one; a backup code works once', async () => {
  const {email, context, page, section, errors} = await readerOnSecurity({acceptDownloads: true});
  const {app, codes} = await setUpApp(page, section);

  // "Download as text": a .txt holding the ten codes
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    section.getByRole('button', {name: 'Download as text'}).click(),
  ]);
  assert.match(download.suggestedFilename(), /\.txt$/);
  const text = await readFile(await download.path(), 'utf8');
  for (const code of codes) assert.ok(text.includes(code), `${code} in the file`);
  await section.getByRole('button', {name: 'I have saved them'}).click();
  await section.getByText('Backup codes left:').waitFor();
  assert.match(await section.getByText('Backup codes left:').innerText(), /10 of 10/);

  // sign in again: the password, then the challenge page, then the code
  await signOutHere(page, email);
  await signInThroughForm(page, email, undefined, '/docs/balance');
  await page.waitForURL(`${SITE}/auth/two-factor?next=${encodeURIComponent('/docs/balance')}`);
  const field = page.getByLabel('Authentication code', {exact: true});
  await field.waitFor();
  assert.equal(await field.evaluate((el) => el === document.activeElement), true);
  // a wrong code: the field says so and keeps the focus
  await field.fill('000000');
  await page.getByRole('button', {name: 'Verify'}).click();
  await page.getByText(/That code is not right/).waitFor();
  assert.equal(await field.getAttribute('aria-invalid'), 'true');
  await field.fill(await app.code());
  await page.getByRole('button', {name: 'Verify'}).click();
  await page.waitForURL(`${SITE}/docs/balance`);
  await waitForSignedIn(page, email);

  // and with a backup code instead, which then is used up
  for (const expectSuccess of [true, false]) {
    await signOutHere(page, email);
    await signInThroughForm(page, email, undefined, '/docs/intro');
    await page.waitForURL(/\/auth\/two-factor/);
    await page.getByRole('button', {name: 'Use a backup code instead'}).click();
    await page.getByLabel('Backup code', {exact: true}).fill(codes[0]);
    await page.getByRole('button', {name: 'Verify'}).click();
    if (expectSuccess) {
      await page.waitForURL(`${SITE}/docs/intro`);
      await waitForSignedIn(page, email);
    } else {
      await page.getByText(/That code is not right/).waitFor();
      await page.getByLabel('Backup code', {exact: true}).fill(codes[1]);
      await page.getByRole('button', {name: 'Verify'}).click();
      await page.waitForURL(`${SITE}/docs/intro`);
      await waitForSignedIn(page, email);
    }
  }
  await page.goto(`${SITE}/auth/account`);
  const again = await openSection(page, 'Sign-in security');
  assert.match(await again.getByText('Backup codes left:').innerText(), /8 of 10/);

  // turning it off asks for the password, though the sign-in is recent; the password alone signs in again
  await again.getByRole('button', {name: 'Turn off two-step sign-in'}).click();
  await confirmWithPassword(again);
  await again.getByRole('status').filter({hasText: 'Two-step sign-in is off.'}).waitFor();
  await signOutHere(page, email);
  await signInThroughForm(page, email, undefined, '/docs/intro');
  await page.waitForURL(`${SITE}/docs/intro`);
  await waitForSignedIn(page, email);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the challenge page offers a passkey when the reader has one, and it finishes the sign-in', async () => {
  const {email, context, page, section} = await readerOnSecurity();
  await addVirtualAuthenticator(page);
  await setUpApp(page, section);
  await section.getByRole('button', {name: 'I have saved them'}).click();
  await addPasskeyHere(section);
  await section.getByRole('list', {name: 'Your passkeys'}).getByRole('listitem').waitFor();

  await autofillPasskeys(page, false);
  await signOutHere(page, email);
  await signInThroughForm(page, email, undefined, '/docs/intro');
  await page.waitForURL(/\/auth\/two-factor/);
  await page.getByRole('button', {name: 'Use a passkey instead'}).click();
  await page.waitForURL(`${SITE}/docs/intro`);
  await waitForSignedIn(page, email);
  await context.close();
});

test('back from a provider, a two-step reader lands on the challenge page with only the cookie, and the code signs in', async () => {
  const context = await newContext(browser);
  await allowAutofillSwitch(context);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  const login = `reader-${randomUUID().slice(0, 8)}`;
  const email = `${login}@example.org`;

  /** "Continue with University", through the provider's own pages when it shows them (login, consent). */
  async function continueWithProvider(next) {
    const site = new URL(SITE).origin;
    await page.goto(`${SITE}/auth/login?next=${encodeURIComponent(next)}`);
    await page.getByRole('link', {name: 'Continue with University'}).click();
    // back on the site (past the sign-in page), or a page of the provider's to answer
    const back = (url) => url.origin === site && url.pathname !== '/auth/login';
    await page.waitForURL((url) => url.origin !== site || back(url), {waitUntil: 'commit'});
    for (;;) {
      const where = await Promise.race([
        page.waitForURL(back).then(() => 'site'),
        page.locator('button[type=submit]').waitFor().then(() => 'provider'),
      ]);
      if (where === 'site') return;
      const shown = page.url();
      if (await page.locator('input[name=login]').count()) {
        await page.locator('input[name=login]').fill(login);
        await page.locator('input[name=password]').fill('any password at all');
      }
      await page.locator('button[type=submit]').click();
      await page.waitForURL((url) => url.href !== shown);
    }
  }

  await continueWithProvider('/docs/intro');
  await page.waitForURL((url) => url.pathname === '/auth/complete-profile');
  await page.getByLabel('Experience level', {exact: true}).selectOption('beginner');
  await page.getByLabel('Role', {exact: true}).selectOption('student');
  await page.getByRole('button', {name: 'Continue'}).click();
  await page.waitForURL(`${SITE}/docs/intro`);
  await waitForSignedIn(page, email);

  // a reader without a password turns the app on (the provider sign-in is recent enough as proof)
  await page.goto(`${SITE}/auth/account`);
  const section = await openSection(page, 'Sign-in security');
  const {app} = await setUpApp(page, section, {hasPassword: false});
  await section.getByRole('button', {name: 'I have saved them'}).click();
  await autofillPasskeys(page, false);
  await signOutHere(page, email);

  await continueWithProvider('/docs/balance');
  await page.waitForURL((url) => url.pathname === '/auth/two-factor');
  assert.equal(new URL(page.url()).searchParams.get('next'), '/docs/balance');
  await page.getByLabel('Authentication code', {exact: true}).fill(await app.code());
  await page.getByRole('button', {name: 'Verify'}).click();
  await page.waitForURL(`${SITE}/docs/balance`);
  await waitForSignedIn(page, email);
  assert.deepEqual(errors, []);
  await context.close();
});

test('an expired or unknown challenge sends the reader back to sign in', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.goto(`${SITE}/auth/two-factor?next=${encodeURIComponent('/docs/intro')}`);
  await page.getByLabel('Authentication code', {exact: true}).fill('123456');
  await page.getByRole('button', {name: 'Verify'}).click();
  const alert = page.getByRole('alert');
  await alert.getByText('This sign-in has expired or was already finished.').waitFor();
  await alert.getByRole('link', {name: 'Sign in again'}).click();
  await page.waitForURL(`${SITE}/auth/login?next=${encodeURIComponent('/docs/intro')}`);
  await context.close();
});

for (const scheme of ['light', 'dark']) {
  test(`screenshots of second factors and passkeys (${scheme})`, async () => {
    const guest = await newContext(browser, {colorScheme: scheme});
    const guestPage = await guest.newPage();
    await guestPage.goto(`${SITE}/auth/login`);
    await guestPage.getByRole('button', {name: 'Sign in with a passkey'}).waitFor();
    await screenshot(guestPage, `${scheme}-mfa-1-sign-in-with-passkey`);
    await guest.close();

    const {email, context, page, section} = await readerOnSecurity({colorScheme: scheme});
    await addVirtualAuthenticator(page);
    await section.getByRole('button', {name: 'Set up an authenticator app'}).click();
    await confirmWithPassword(section);
    await section.getByRole('img', {name: 'QR code for your authenticator app'}).waitFor();
    await screenshot(page, `${scheme}-mfa-2-security-set-up`);
    await section.getByRole('button', {name: 'Cancel'}).click();
    const {codes} = await setUpApp(page, section);
    assert.equal(codes.length, 10);
    await screenshot(page, `${scheme}-mfa-3-security-backup-codes`);
    await section.getByRole('button', {name: 'I have saved them'}).click();
    await section.getByLabel('Name of the new passkey').fill('Work laptop');
    await addPasskeyHere(section);
    await section.getByRole('list', {name: 'Your passkeys'}).getByText('Work laptop').waitFor();
    await screenshot(page, `${scheme}-mfa-4-security-passkeys`);

    await autofillPasskeys(page, false);
    await signOutHere(page, email);
    await signInThroughForm(page, email, undefined, '/docs/intro');
    await page.waitForURL(/\/auth\/two-factor/);
    await page.getByLabel('Authentication code', {exact: true}).waitFor();
    await screenshot(page, `${scheme}-mfa-5-challenge`);
    await page.getByLabel('Authentication code', {exact: true}).fill('000000');
    await page.getByRole('button', {name: 'Verify'}).click();
    await page.getByText(/That code is not right/).waitFor();
    await screenshot(page, `${scheme}-mfa-6-challenge-wrong-code`);
    await page.getByRole('button', {name: 'Use a backup code instead'}).click();
    await page.getByLabel('Backup code', {exact: true}).waitFor();
    await screenshot(page, `${scheme}-mfa-7-challenge-backup-code`);
    assert.ok(ARTIFACTS);
    await context.close();
  });
}
