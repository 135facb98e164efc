// Every page of the kit in each state a reader can meet it in (signed out, signed in, with a mailed link, after a
// failed submit), for the tests that hold all of them to one rule: no console errors (console.test.mjs) and
// WCAG 2.2 AA (accessibility.test.mjs).
import {API, PASSWORD, SITE, createUser, uniqueEmail} from './browser.mjs';
import {allMail, linkIn, waitForMail} from './mail.mjs';

/** A docs page of the example site that uses the personalisation components (ForExperience, ForRole). */
export const DOCS_PAGE = '/docs/kinematics';

/**
 * The example site's locales, each visited in full by the page tests: the path prefix of its pages, the `dir` and
 * `lang` of their <html>, and the words the states below click or type by (frontend/site/i18n/ur/code.json).
 */
export const LOCALES = [
  {
    code: 'en',
    prefix: '',
    dir: 'ltr',
    words: {
      email: 'Email',
      password: 'Password',
      signIn: 'Sign In',
      createAccount: 'Create account',
      sendResetLink: 'Send reset link',
      signOut: 'Sign out',
      toggleNavbar: 'Toggle navigation bar',
    },
  },
  {
    code: 'ur',
    prefix: '/ur',
    dir: 'rtl',
    words: {
      email: 'ای میل',
      password: 'پاس ورڈ',
      signIn: 'سائن اِن کریں',
      createAccount: 'اکاؤنٹ بنائیں',
      sendResetLink: 'ری سیٹ لنک بھیجیں',
      signOut: 'سائن آؤٹ کریں',
      toggleNavbar: 'نیویگیشن بار تبدیل کریں',
    },
  },
];
export const ENGLISH = LOCALES[0];

/** Signs `context` in as `email` through the API: the refresh cookie lands in the context's cookie jar. */
export async function signInContext(context, email) {
  const res = await context.request.post(`${API}/auth/login`, {data: {email, password: PASSWORD}});
  if (res.status() !== 200) throw new Error(`login of ${email} failed: ${res.status()} ${await res.text()}`);
}

/** A new reader whose email is not verified yet, and the verification link the API mailed them. */
export async function readerWithVerifyLink(tag = 'kit') {
  const before = allMail();
  const email = await createUser({}, uniqueEmail(tag));
  const mail = await waitForMail(email, {subject: /verify/i, after: before});
  return {email, verifyLink: linkIn(mail, '/auth/verify-email')};
}

/** A password-reset link for `email`, as mailed by POST /auth/forgot-password. */
export async function resetLinkFor(email) {
  const before = allMail();
  const res = await fetch(`${API}/auth/forgot-password`, {
    method: 'POST',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({email}),
  });
  if (res.status !== 200 && res.status !== 202) throw new Error(`forgot-password failed: ${res.status}`);
  const mail = await waitForMail(email, {subject: /reset/i, after: before});
  return linkIn(mail, '/auth/reset-password');
}

/**
 * Waits until the page has settled: the session is known (the navbar's invisible placeholder is gone), nothing
 * is marked busy (the kit's placeholders and "checking" states carry aria-busy), the network is quiet and no
 * transition is running.
 */
export async function settle(page) {
  await page.waitForFunction(
    () =>
      document.querySelector('nav.navbar') !== null &&
      document.querySelector('.authgate-navbar__placeholder') === null &&
      document.querySelector('[aria-busy="true"]') === null,
  );
  await page.waitForLoadState('networkidle');
  // transitions (a sidebar sliding in, a menu fading in) end first: axe would see their colours half-way
  await page.evaluate(() =>
    Promise.all(
      document
        .getAnimations()
        .filter((a) => a.effect?.getComputedTiming().endTime !== Infinity)
        .map((a) => a.finished.catch(() => null)),
    ),
  );
}

/** Submits the sign-in form of the current page with a wrong password and waits for the alert. */
export async function failSignIn(page, email, words = ENGLISH.words) {
  await page.getByLabel(words.email, {exact: true}).fill(email);
  await page.getByLabel(words.password, {exact: true}).fill(`${PASSWORD} but wrong`);
  await page.getByRole('button', {name: words.signIn, exact: true}).click();
  await page.getByRole('alert').waitFor({state: 'visible'});
}

/** Opens every collapsible section of the account page and waits for what they load. */
export async function openAccountSections(page) {
  const closed = page.locator('details.authgate-section:not([open]) > summary');
  for (let n = await closed.count(); n > 0; n = await closed.count()) {
    await closed.first().click();
  }
  await settle(page);
}

/**
 * The kit's pages. `session` says which context visits them: 'anon' (no session) or 'reader' (signed in, email
 * not verified, so the "verify your email" banner and the "Not verified" badge show). `url(links)` may use the
 * mailed links of the run; `act(page, fixtures, words)` brings the page into the state to check once it has settled (`words`: the
 * locale's, see LOCALES);
 * `desktopOnly` / `mobileOnly` states exist only with the navbar (≥ 997 px) or only with its sidebar (narrower).
 */
export const KIT_PAGES = [
  {name: 'sign in', session: 'anon', url: () => '/auth/login'},
  {
    name: 'sign in, wrong password shown',
    session: 'anon',
    url: () => '/auth/login',
    act: (page, f, words) => failSignIn(page, f.email, words),
  },
  {name: 'sign up', session: 'anon', url: () => '/auth/signup'},
  {
    name: 'sign up, field errors shown',
    session: 'anon',
    url: () => '/auth/signup',
    act: async (page, f, words) => {
      await page.getByRole('button', {name: words.createAccount, exact: true}).click();
      await page.locator('.authgate-field__error').first().waitFor();
    },
  },
  {name: 'forgot password, signed out', session: 'anon', url: () => '/auth/forgot-password'},
  {
    name: 'forgot password, invalid email shown',
    session: 'anon',
    url: () => '/auth/forgot-password',
    act: async (page, f, words) => {
      await page.getByLabel(words.email, {exact: true}).fill('not-an-email');
      await page.getByRole('button', {name: words.sendResetLink, exact: true}).click();
      await page.locator('.authgate-field__error').first().waitFor();
    },
  },
  {name: 'reset password without a token', session: 'anon', url: () => '/auth/reset-password'},
  {name: 'reset password with a token', session: 'anon', url: (f) => f.resetLink},
  {name: 'verify email without a token', session: 'anon', url: () => '/auth/verify-email'},
  {name: 'verify email with a token', session: 'anon', url: (f) => f.verifyLink},
  {name: 'verify email with a spent token', session: 'anon', url: (f) => f.verifyLink},
  {name: 'two-factor, signed out', session: 'anon', url: () => '/auth/two-factor'},
  {name: 'complete profile, signed out', session: 'anon', url: () => '/auth/complete-profile'},
  {name: 'account, signed out', session: 'anon', url: () => '/auth/account'},
  {name: 'docs page, signed out', session: 'anon', url: () => DOCS_PAGE},
  {name: 'home page, signed out', session: 'anon', url: () => '/'},
  {name: 'forgot password, signed in', session: 'reader', url: () => '/auth/forgot-password'},
  {name: 'sign in, already signed in', session: 'reader', url: () => '/auth/login'},
  {name: 'sign up, already signed in', session: 'reader', url: () => '/auth/signup'},
  {name: 'verify email without a token, signed in', session: 'reader', url: () => '/auth/verify-email'},
  {name: 'two-factor, signed in', session: 'reader', url: () => '/auth/two-factor'},
  {name: 'complete profile, signed in', session: 'reader', url: () => '/auth/complete-profile'},
  {name: 'account, every section open', session: 'reader', url: () => '/auth/account', act: openAccountSections},
  {
    name: 'account menu open',
    session: 'reader',
    url: () => '/auth/account',
    act: async (page, f) => {
      await page.locator('nav.navbar').getByRole('button', {name: f.reader}).click();
      await page.getByRole('menu').waitFor({state: 'visible'});
    },
    desktopOnly: true,
  },
  {name: 'docs page, signed in', session: 'reader', url: () => DOCS_PAGE},
  {
    name: 'phone: the navbar sidebar with the account entries',
    session: 'reader',
    url: () => DOCS_PAGE,
    act: async (page, f, words) => {
      await page.getByRole('button', {name: words.toggleNavbar, exact: true}).click();
      await page.locator('.navbar-sidebar').getByRole('button', {name: words.signOut, exact: true}).waitFor({state: 'visible'});
    },
    mobileOnly: true,
  },
];

/**
 * The accounts and mailed links one pass over KIT_PAGES needs: `reader` (signed in by the 'reader' context, its
 * email left unverified), `email` (another account: its verification link is followed, a sign-in of it fails,
 * a reset link is mailed to it).
 */
export async function kitFixtures(tag) {
  const reader = await createUser({}, uniqueEmail(`${tag}-reader`));
  const {email, verifyLink} = await readerWithVerifyLink(`${tag}-other`);
  const resetLink = await resetLinkFor(email);
  return {reader, email, verifyLink, resetLink};
}

/**
 * `url` (a path of the site, or a link the API mailed, which always points at the default locale) made absolute
 * on the site, in `locale`: the same path and query under the locale's prefix.
 */
export function siteUrl(url, locale = ENGLISH) {
  const {pathname, search, hash} = new URL(url, SITE);
  const path = locale.prefix && pathname === '/' ? `${locale.prefix}/` : `${locale.prefix}${pathname}`;
  return `${SITE}${path}${search}${hash}`;
}
