// Members-only content: the built site holds none of it, the API serves each block only to the readers its rule
// admits, and the page shows it in place (a component, a highlighted code block and KaTeX math included) with one
// request.
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {
  API,
  PASSWORD,
  SITE,
  createUser,
  launch,
  newContext,
  screenshot,
  signInThroughForm,
  waitForSignedIn,
  waitForSignedOut,
} from '../lib/browser.mjs';

const SITE_DIR = fileURLToPath(new URL('../../frontend/site/', import.meta.url));
const BUILD = `${SITE_DIR}build`;
const MEMBERS = `${SITE_DIR}build-members`;
// the unique strings written inside the example site's members-only blocks and page
const MARKERS = [
  'MEMBERS-MARKER-SOLUTION-ONE',
  'MEMBERS-MARKER-COMPONENT',
  'MEMBERS-MARKER-CODE',
  'MEMBERS-MARKER-ADMONITION',
  'MEMBERS-MARKER-ADVANCED-DERIVATION',
  'MEMBERS-MARKER-RESEARCHER-NOTES',
  'MEMBERS-MARKER-WHOLE-PAGE',
  'MEMBERS-MARKER-BLOG-POST',
  'MEMBERS-MARKER-MATH',
  // the LaTeX of the protected equations (KaTeX keeps it in the MathML's annotation); the public math has no ω
  'omega_0',
];
// the kit names a page by its source path (24 hex digits of its SHA-256)
const pageId = (source) => createHash('sha256').update(source).digest('hex').slice(0, 24);
const EXERCISES = pageId('docs/exercises.mdx');
const MANUAL = pageId('docs/solutions-manual.mdx');

function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = `${dir}/${name}`;
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

async function accessToken(email) {
  const res = await fetch(`${API}/auth/login`, {
    method: 'POST',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({email, password: PASSWORD}),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()).access_token;
}

async function content(page, token) {
  const res = await fetch(`${API}/auth/content/${page}`, {headers: token ? {Authorization: `Bearer ${token}`} : {}});
  return {status: res.status, headers: res.headers, text: await res.text()};
}

// the inline math of the exercises page outside any block ($\dot{x}$ and $z_0$)
const PUBLIC_MATH = 2;
const publicMath = (article) =>
  article
    .locator(`xpath=.//span[contains(concat(' ', @class, ' '), ' katex ')][not(ancestor::*[contains(@class, 'authgate-members')])]`)
    .first();

/** How KaTeX's stylesheet lays out an equation: its font, and its MathML copy hidden for screen readers only. */
function mathStyle(katex) {
  return katex.evaluate((el) => {
    const mathml = getComputedStyle(el.querySelector('.katex-mathml'));
    const html = getComputedStyle(el.querySelector('.katex-html'));
    return {font: getComputedStyle(el).fontFamily, mathml: `${mathml.position} ${mathml.clip}`, html: html.display};
  });
}

function contentRequests(page) {
  const seen = [];
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (url.origin === new URL(API).origin && url.pathname.startsWith('/auth/content/') && req.method() === 'GET') {
      seen.push(url.pathname);
    }
  });
  return seen;
}

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('the built site holds no members-only text: every file, sitemap and feeds included', () => {
  const files = filesUnder(BUILD);
  for (const made of ['/sitemap.xml', '/blog/rss.xml', '/blog/atom.xml', '/blog/feed.json']) {
    assert.ok(files.some((f) => f.endsWith(made)), `the build has ${made}`);
  }
  assert.ok(files.some((f) => f.endsWith('/docs/exercises/index.html')), 'the chapter was built');
  assert.ok(files.some((f) => f.endsWith('.js')), 'the bundle was built');
  const leaks = [];
  for (const file of files) {
    const body = readFileSync(file, 'latin1');
    for (const marker of MARKERS) if (body.includes(marker)) leaks.push(`${marker} in ${file.slice(BUILD.length)}`);
  }
  assert.deepEqual(leaks, []);
  // the pages name no protected heading either (the table of contents is made after the cut)
  const chapter = readFileSync(`${BUILD}/docs/exercises/index.html`, 'utf8');
  assert.ok(chapter.includes('The worked solution lists the limits'), 'the teaser is public');
  assert.ok(!/>\s*Derivation\s*</.test(chapter));
  // the feeds carry the post's body, the placeholder's teaser where the block was
  assert.ok(readFileSync(`${BUILD}/blog/rss.xml`, 'utf8').includes('The grading notes for this week'));
  // not vacuous: every marker is in the artefacts the API serves, outside build/
  const artefacts = filesUnder(MEMBERS).map((f) => readFileSync(f, 'utf8')).join('\n');
  for (const marker of MARKERS) assert.ok(artefacts.includes(marker), `${marker} is in build-members/`);
  assert.ok(existsSync(`${MEMBERS}/${EXERCISES}.json`) && existsSync(`${MEMBERS}/${MANUAL}.json`));
});

test('the API refuses the blocks to no token and to every reader a rule does not admit', async () => {
  for (const page of [EXERCISES, MANUAL]) {
    const anonymous = await content(page);
    assert.equal(anonymous.status, 401);
    assert.equal(JSON.parse(anonymous.text).code, 'NOT_AUTHENTICATED');
    assert.equal(anonymous.headers.get('cache-control'), 'private, no-store');
    assert.match(anonymous.headers.get('vary') ?? '', /Authorization/);
    for (const marker of MARKERS) assert.ok(!anonymous.text.includes(marker));
  }

  const beginner = await accessToken(await createUser({experience_level: 'beginner', professional_role: 'student'}));
  const chapter = await content(EXERCISES, beginner);
  assert.equal(chapter.status, 200);
  assert.equal(chapter.headers.get('cache-control'), 'private, no-store');
  const blocks = JSON.parse(chapter.text).blocks;
  assert.deepEqual(
    blocks.map((b) => b.reason ?? b.status),
    ['admitted', 'LEVEL_NOT_ADMITTED', 'ROLE_NOT_ADMITTED'],
  );
  assert.ok(chapter.text.includes('MEMBERS-MARKER-SOLUTION-ONE'));
  assert.ok(!chapter.text.includes('MEMBERS-MARKER-ADVANCED-DERIVATION'));
  assert.ok(!chapter.text.includes('MEMBERS-MARKER-RESEARCHER-NOTES'));
  const manual = await content(MANUAL, beginner);
  assert.equal(manual.status, 403);
  assert.equal(JSON.parse(manual.text).code, 'LEVEL_NOT_ADMITTED');
  assert.ok(!manual.text.includes('MEMBERS-MARKER-WHOLE-PAGE'));

  const researcher = await accessToken(await createUser({experience_level: 'intermediate', professional_role: 'researcher'}));
  const forResearcher = JSON.parse((await content(EXERCISES, researcher)).text).blocks;
  assert.deepEqual(
    forResearcher.map((b) => b.reason ?? b.status),
    ['admitted', 'LEVEL_NOT_ADMITTED', 'admitted'],
  );
  assert.equal((await content(MANUAL, researcher)).status, 200);

  // an id that is not one, or one that climbs out of the folder
  assert.equal((await content('ffffffffffffffffffffffff', researcher)).status, 404);
  for (const bad of ['..%2F..%2Fbuild%2Findex', `${EXERCISES}.json`, '..']) {
    const res = await content(bad, researcher);
    assert.ok([404, 422].includes(res.status), `${bad}: ${res.status}`);
  }
});

for (const scheme of ['light', 'dark']) {
  test(`a signed-out reader sees the teasers; the right profile sees the blocks rendered, with one request (${scheme})`, async () => {
    const context = await newContext(browser, {colorScheme: scheme});
    const page = await context.newPage();
    const requests = contentRequests(page);

    await page.goto(`${SITE}/docs/exercises`);
    await waitForSignedOut(page);
    const signIn = page.getByRole('link', {name: 'Sign in to read'});
    await signIn.first().waitFor();
    assert.equal(await signIn.count(), 3);
    assert.ok(await page.getByText('The worked solution lists the limits and checks them in code.').isVisible());
    const signedOutText = await page.locator('article').innerText();
    for (const marker of MARKERS) assert.ok(!signedOutText.includes(marker));
    // the public math of the page is rendered by KaTeX in the static HTML; no block holds any
    assert.equal(await page.locator('article .katex').count(), PUBLIC_MATH);
    assert.equal(await page.locator('article .authgate-members .katex').count(), 0);
    assert.deepEqual(requests, [], 'a signed-out reader asks the API for no content');
    await screenshot(page, `${scheme}-members-1-signed-out`);

    const email = await createUser({experience_level: 'advanced', professional_role: 'student'});
    await signInThroughForm(page, email, undefined, '/docs/exercises');
    await page.waitForURL(`${SITE}/docs/exercises`);
    await waitForSignedIn(page, email);
    const article = page.locator('article');
    await article.getByText('MEMBERS-MARKER-SOLUTION-ONE', {exact: false}).waitFor();
    // the site's React component, rendered from the protected block
    const component = article.locator('figure[data-component="JointLimits"]');
    assert.match(await component.innerText(), /MEMBERS-MARKER-COMPONENT/);
    assert.equal(await component.locator('table tr').count(), 3);
    // the code block goes through the theme's CodeBlock: Prism tokens, the title from the fence
    const code = article.locator('.theme-code-block', {hasText: 'MEMBERS-MARKER-CODE'});
    await code.waitFor();
    assert.ok((await code.locator('.token').count()) > 3, 'the code block is highlighted');
    assert.ok(await code.getByText('check_limits.py').isVisible());
    assert.match(await article.locator('.theme-admonition-tip').innerText(), /MEMBERS-MARKER-ADMONITION/);
    await article.getByText('MEMBERS-MARKER-ADVANCED-DERIVATION', {exact: false}).waitFor();
    // the block's math: KaTeX markup from the site's rehype plugin, styled by the site's KaTeX stylesheet like the
    // public math above it
    const derivation = article.locator('.authgate-members', {hasText: 'MEMBERS-MARKER-MATH'});
    assert.equal(await derivation.locator('.katex-display .katex').count(), 1, 'the display equation');
    assert.equal(await derivation.locator('.katex').count(), 2, 'the inline equation and the display one');
    assert.equal(await article.locator('.katex').count(), PUBLIC_MATH + 2);
    assert.deepEqual(await mathStyle(derivation.locator('.katex').first()), await mathStyle(publicMath(article)));
    assert.match((await mathStyle(publicMath(article))).font, /KaTeX_Main/, 'the KaTeX stylesheet applies');
    assert.match(await derivation.locator('.katex-display annotation').textContent(), /\\xi = x \+ \\frac/);
    // the researcher block stays a placeholder for a student
    await article.getByText(/not for your profile: it is written for readers in another role/).waitFor();
    assert.ok(!(await article.innerText()).includes('MEMBERS-MARKER-RESEARCHER-NOTES'));
    await page.waitForLoadState('networkidle');
    assert.deepEqual(requests, [`/auth/content/${EXERCISES}`], 'one request for the three blocks of the page');
    await screenshot(page, `${scheme}-members-2-signed-in`);

    // the members-only page, for this reader's level
    await page.goto(`${SITE}/docs/solutions-manual`);
    await page.getByText('MEMBERS-MARKER-WHOLE-PAGE', {exact: false}).waitFor();
    await context.close();
  });
}

test('a reader of another profile sees the placeholders, not the blocks', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const email = await createUser({experience_level: 'beginner', professional_role: 'hobbyist'});
  await signInThroughForm(page, email, undefined, '/docs/exercises');
  await page.waitForURL(`${SITE}/docs/exercises`);
  await waitForSignedIn(page, email);
  const article = page.locator('article');
  await article.getByText('MEMBERS-MARKER-SOLUTION-ONE', {exact: false}).waitFor();
  await article.getByText(/written for readers of another experience level/).waitFor();
  await article.getByText(/written for readers in another role/).waitFor();
  const text = await article.innerText();
  assert.ok(!text.includes('MEMBERS-MARKER-ADVANCED-DERIVATION'));
  assert.equal(await article.locator('.authgate-members .katex').count(), 0, 'the refused block brings no math');
  assert.ok(!text.includes('MEMBERS-MARKER-RESEARCHER-NOTES'));
  assert.ok(text.includes('The derivation of the capture point, for advanced readers.'), 'the teaser stays');

  await page.goto(`${SITE}/docs/solutions-manual`);
  await page.getByText(/written for readers of another experience level/).waitFor();
  assert.ok(!(await page.locator('article').innerText()).includes('MEMBERS-MARKER-WHOLE-PAGE'));

  // signing out takes the content off the page
  await page.goto(`${SITE}/docs/exercises`);
  await article.getByText('MEMBERS-MARKER-SOLUTION-ONE', {exact: false}).waitFor();
  await page.locator('nav.navbar').getByRole('button', {name: email}).click();
  await page.locator('nav.navbar').getByRole('menuitem', {name: 'Sign out', exact: true}).click();
  await waitForSignedOut(page);
  await page.getByRole('link', {name: 'Sign in to read'}).first().waitFor();
  assert.ok(!(await article.innerText()).includes('MEMBERS-MARKER-SOLUTION-ONE'));
  await context.close();
});
