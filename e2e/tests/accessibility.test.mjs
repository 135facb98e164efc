// WCAG 2.2 AA on every page of the kit, checked in Chromium: axe-core (the WCAG 2.0, 2.1 and 2.2 A and AA rules)
// in light and dark mode, at 1280 and 375 CSS px, in English and in Urdu (right to left), with no violation allowed
// anywhere on those pages (the example site's own parts included); no select whose options are cut off; every link and button of the kit at least 24×24 CSS px (WCAG 2.5.8); focus never
// lost after a failed submit; the navbar's account menu following the WAI-ARIA menu-button pattern.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {createRequire} from 'node:module';
import {readFileSync} from 'node:fs';
import {SITE, createUser, launch, newContext, uniqueEmail} from '../lib/browser.mjs';
import {KIT_PAGES, LOCALES, failSignIn, kitFixtures, settle, signInContext, siteUrl} from '../lib/kitPages.mjs';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const THEMES = ['light', 'dark'];
const WIDTHS = [1280, 375];
/** The kit's own markup: its pages' card, the navbar item and its menu, the "verify your email" banner. */
const KIT_INTERACTIVE = [
  '.authgate-card a',
  '.authgate-card button',
  '.authgate-card summary',
  '.authgate-card select',
  '.authgate-navbar a',
  '.authgate-navbar button',
  'nav.navbar a.navbar__link[href*="/auth/login"]',
  '.authgate-banner button',
  '.navbar-sidebar .menu__list-item > .menu__link',
].join(', ');

let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

/** A context in one colour mode: Docusaurus reads the reader's choice from localStorage 'theme'. */
async function themedContext(theme, width) {
  const context = await newContext(browser, {
    viewport: {width, height: 860},
    colorScheme: theme,
    isMobile: width < 600,
    hasTouch: width < 600,
  });
  await context.addInitScript((t) => window.localStorage.setItem('theme', t), theme);
  return context;
}

/** axe-core's WCAG A/AA violations on the page as it is now, one line per failing element. */
async function axeViolations(page) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({content: AXE_SOURCE});
  const violations = await page.evaluate(
    (tags) => window.axe.run(document, {runOnly: {type: 'tag', values: tags}}).then((r) => r.violations),
    WCAG_TAGS,
  );
  return violations.flatMap((v) =>
    v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')}: ${n.failureSummary?.split('\n').slice(1).join(' ').trim()}`),
  );
}

/** The kit's visible links and buttons smaller than 24×24 CSS px (WCAG 2.2 SC 2.5.8, Target Size (Minimum)). */
async function smallTargets(page) {
  return page.evaluate((selector) => {
    const small = [];
    for (const el of document.querySelectorAll(selector)) {
      const box = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      if (box.width === 0 || box.height === 0 || style.visibility === 'hidden') continue;
      if (box.width < 24 || box.height < 24) {
        small.push(`${el.tagName.toLowerCase()} "${el.textContent.trim().slice(0, 40)}" ${box.width.toFixed(1)}×${box.height.toFixed(1)}`);
      }
    }
    return small;
  }, KIT_INTERACTIVE);
}

/** Selects whose chosen option's text does not fit their box (cut off at narrow widths). */
async function truncatedSelects(page) {
  return page.evaluate(() => {
    const cut = [];
    for (const select of document.querySelectorAll('.authgate-card select')) {
      // every option: the reader may choose any of them, and the closed select then shows its text
      for (const option of select.options) {
      const probe = document.createElement('span');
      const style = getComputedStyle(select);
      probe.style.cssText = `position:absolute;visibility:hidden;white-space:nowrap;font:${style.font}`;
      probe.textContent = option.text;
      document.body.append(probe);
      const needed = probe.getBoundingClientRect().width;
      probe.remove();
      // the text box: the select's width less its padding and the arrow (about 1.5em)
      const room =
        select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 1.5 * parseFloat(style.fontSize);
      if (needed > room) cut.push(`#${select.id}: "${option.text}" needs ${needed.toFixed(0)} px, has ${room.toFixed(0)} px`);
      }
    }
    return cut;
  });
}

/** Whether `page` is in `locale`: the <html> element's direction and language. */
async function assertLocale(page, locale, name) {
  const html = page.locator('html');
  assert.equal(await html.getAttribute('dir'), locale.dir, `${name}: direction`);
  assert.equal(await html.getAttribute('lang'), locale.code, `${name}: language`);
}

// one pass over the kit's pages per locale, colour mode and width, each with its own accounts and mailed links
for (const locale of LOCALES) {
  for (const theme of THEMES) {
    for (const width of WIDTHS) {
      test(`every kit page, ${locale.code} (${locale.dir}), ${theme} mode, ${width} px: no WCAG 2.2 A/AA violation, targets at least 24×24 px, no select cut off`, async (t) => {
        const fixtures = await kitFixtures(`a11y-${locale.code}-${theme}-${width}`);
        const problems = [];
        let checked = 0;
        for (const session of ['anon', 'reader']) {
          const context = await themedContext(theme, width);
          try {
            if (session === 'reader') await signInContext(context, fixtures.reader);
            const page = await context.newPage();
            for (const kitPage of KIT_PAGES.filter((p) => p.session === session)) {
              // Docusaurus puts the navbar items in a sidebar below 997 px
              if ((kitPage.desktopOnly && width < 997) || (kitPage.mobileOnly && width >= 997)) continue;
              await page.goto(siteUrl(kitPage.url(fixtures), locale));
              await settle(page);
              await kitPage.act?.(page, fixtures, locale.words);
              await settle(page);
              assert.equal(await page.locator('html').getAttribute('data-theme'), theme, `${kitPage.name}: colour mode`);
              await assertLocale(page, locale, kitPage.name);
              for (const line of await axeViolations(page)) problems.push(`${kitPage.name}: ${line}`);
              for (const line of await smallTargets(page)) problems.push(`${kitPage.name}: target under 24×24: ${line}`);
              for (const line of await truncatedSelects(page)) problems.push(`${kitPage.name}: select cut off: ${line}`);
              checked += 1;
            }
          } finally {
            await context.close();
          }
        }
        assert.equal(problems.length, 0, `\n${problems.join('\n')}`);
        t.diagnostic(`${checked} page states checked`);
      });
    }
  }
}

test('a wrong password: the focus goes to the alert, never back to the page body', async () => {
  const email = await createUser({}, uniqueEmail('a11y-focus'));
  const context = await newContext(browser);
  try {
    const page = await context.newPage();
    await page.goto(`${SITE}/auth/login`);
    await settle(page);
    await failSignIn(page, email);
    const focused = await page.evaluate(() => ({
      tag: document.activeElement?.tagName,
      role: document.activeElement?.getAttribute('role'),
      text: document.activeElement?.textContent,
    }));
    assert.notEqual(focused.tag, 'BODY');
    assert.equal(focused.role, 'alert');
    assert.match(focused.text, /password/i);
  } finally {
    await context.close();
  }
});

test('a saved profile: the focus comes back to the button that saved it', async () => {
  const email = await createUser({}, uniqueEmail('a11y-save'));
  const context = await newContext(browser);
  try {
    await signInContext(context, email);
    const page = await context.newPage();
    await page.goto(`${SITE}/auth/account`);
    await settle(page);
    await page.getByLabel('Experience level', {exact: true}).selectOption('advanced');
    const save = page.getByRole('button', {name: 'Save changes'});
    await save.click();
    await page.getByRole('status').filter({hasText: /saved/i}).waitFor();
    assert.equal(await save.evaluate((el) => el === document.activeElement), true);
  } finally {
    await context.close();
  }
});

test('the account menu is a WAI-ARIA menu button, by keyboard and by pointer', async () => {
  const email = await createUser({}, uniqueEmail('a11y-menu'));
  const context = await newContext(browser);
  try {
    await signInContext(context, email);
    const page = await context.newPage();
    await page.goto(`${SITE}/docs/intro`);
    await settle(page);
    const button = page.locator('nav.navbar').getByRole('button', {name: email});
    const focusedText = () => page.evaluate(() => document.activeElement?.textContent?.trim());
    const focusedRole = () => page.evaluate(() => document.activeElement?.getAttribute('role'));
    assert.equal(await button.getAttribute('aria-haspopup'), 'menu');
    assert.equal(await button.getAttribute('aria-expanded'), 'false');
    const menuId = await button.getAttribute('aria-controls');
    const menu = page.locator(`[id="${menuId}"]`);
    assert.equal(await menu.getAttribute('role'), 'menu');
    // hidden while closed: counted by their role attribute
    assert.equal(await menu.locator('[role="menuitem"]').count(), 2);

    // Enter opens on the first item; the arrows, Home and End move (wrapping); Escape closes onto the button
    await button.focus();
    await page.keyboard.press('Enter');
    await menu.waitFor({state: 'visible'});
    assert.equal(await button.getAttribute('aria-expanded'), 'true');
    assert.equal(await focusedRole(), 'menuitem');
    assert.equal(await focusedText(), 'Account');
    await page.keyboard.press('ArrowDown');
    assert.equal(await focusedText(), 'Sign out');
    await page.keyboard.press('ArrowDown');
    assert.equal(await focusedText(), 'Account');
    await page.keyboard.press('End');
    assert.equal(await focusedText(), 'Sign out');
    await page.keyboard.press('Home');
    assert.equal(await focusedText(), 'Account');
    await page.keyboard.press('Escape');
    await menu.waitFor({state: 'hidden'});
    assert.equal(await button.getAttribute('aria-expanded'), 'false');
    assert.equal(await focusedText(), email);

    // ArrowUp opens on the last item; Tab closes the menu and moves on
    await page.keyboard.press('ArrowUp');
    await menu.waitFor({state: 'visible'});
    assert.equal(await focusedText(), 'Sign out');
    await page.keyboard.press('Tab');
    await menu.waitFor({state: 'hidden'});
    assert.equal(await button.getAttribute('aria-expanded'), 'false');

    // a click opens it, a click outside closes it
    await button.click();
    await menu.waitFor({state: 'visible'});
    await page.locator('main').click({position: {x: 5, y: 5}});
    await menu.waitFor({state: 'hidden'});

    // Space on a button opens it; Enter on "Account" follows the link
    await button.focus();
    await page.keyboard.press('Space');
    await menu.waitFor({state: 'visible'});
    await page.keyboard.press('Enter');
    await page.waitForURL(`${SITE}/auth/account`);
  } finally {
    await context.close();
  }
});
