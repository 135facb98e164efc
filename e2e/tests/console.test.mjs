// Every page of the kit, in English and in Urdu (right to left), loaded fresh from the production build
// (server-rendered HTML, then hydration), says nothing on the console: no error, no uncaught exception and no React
// hydration warning. In a production build a hydration mismatch shows only as a minified error (#418, #423, #425),
// so any console error counts.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {API, launch, newContext} from '../lib/browser.mjs';
import {KIT_PAGES, LOCALES, kitFixtures, settle, signInContext, siteUrl} from '../lib/kitPages.mjs';

let browser;
/** Per locale: its own accounts and mailed links (a verification link is spent by its first visit). */
const fixtures = {};

before(async () => {
  browser = await launch();
  for (const locale of LOCALES) fixtures[locale.code] = await kitFixtures(`console-${locale.code}`);
});

after(async () => {
  await browser?.close();
});

const HYDRATION = /hydrat|did not match|Minified React error #(418|419|421|422|423|425)/i;

/**
 * Chromium's own line for an HTTP error answer ("Failed to load resource: ... status of 401"). The kit's API
 * answers 401 to a signed-out GET /auth/me and to a wrong password: those lines are the network log, not the
 * page's code, and are let through for the API's 4xx answers only (a 5xx, or any error of the site, counts).
 */
function isExpectedApiAnswer(message) {
  return (
    /^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text()) &&
    (message.location().url ?? '').startsWith(`${API}/auth/`)
  );
}

/** Collects what the page says that it should not: console errors and warnings about hydration, page errors. */
function listen(page) {
  const heard = [];
  page.on('console', (message) => {
    if (isExpectedApiAnswer(message)) return;
    if (message.type() === 'error' || HYDRATION.test(message.text())) {
      // the first line says what it is; React's component stack follows
      heard.push(`console.${message.type()}: ${message.text().split('\n')[0]}`);
    }
  });
  page.on('pageerror', (error) => heard.push(`page error: ${error.message}`));
  return heard;
}

for (const locale of LOCALES) {
  for (const session of ['anon', 'reader']) {
    test(`every kit page, ${locale.code} (${locale.dir}), ${session === 'anon' ? 'signed out' : 'signed in'}: no console error, no hydration warning`, async (t) => {
      const f = fixtures[locale.code];
      const context = await newContext(browser);
      try {
        if (session === 'reader') await signInContext(context, f.reader);
        const problems = [];
        let checked = 0;
        // at 1280 px: the states of a phone's navbar sidebar are left to the accessibility test
        for (const kitPage of KIT_PAGES.filter((p) => p.session === session && !p.mobileOnly)) {
          // a fresh tab each time: each visit is a full load that hydrates the server-rendered page
          const page = await context.newPage();
          const heard = listen(page);
          await page.goto(siteUrl(kitPage.url(f), locale));
          await settle(page);
          await kitPage.act?.(page, f, locale.words);
          await settle(page);
          assert.equal(await page.locator('html').getAttribute('dir'), locale.dir, `${kitPage.name}: direction`);
          problems.push(...heard.map((h) => `${kitPage.name}: ${h}`));
          checked += 1;
          await page.close();
        }
        t.diagnostic(`${checked} page states checked`);
        assert.equal(problems.length, 0, `\n${problems.join('\n')}`);
      } finally {
        await context.close();
      }
    });
  }
}

test('the verify page with a mailed token never says "open the link from the email", even before hydration', async () => {
  const {verifyLink} = await kitFixtures('console-nojs');
  // the server-rendered HTML, as a reader sees it until the script runs
  const context = await newContext(browser, {javaScriptEnabled: false});
  try {
    const page = await context.newPage();
    await page.goto(verifyLink);
    const text = await page.locator('main').innerText();
    assert.doesNotMatch(text, /open the link from/i);
    assert.match(text, /checking your link/i);
  } finally {
    await context.close();
  }
});
