// Shared helpers for the browser tests: launch Debian's chromium through playwright-core, make users
// through the real API, and wait for the site to settle on a signed-in or signed-out navbar.
import {mkdirSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {randomUUID} from 'node:crypto';
import {chromium} from 'playwright-core';

export const SITE = process.env.SITE_URL ?? 'http://localhost:3000';
export const API = process.env.API_URL ?? 'http://localhost:8000';
export const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
export const PASSWORD = 'orbiting kettle 42 sunrise';

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export function newContext(browser, options = {}) {
  return browser.newContext({viewport: {width: 1280, height: 860}, ...options});
}

export function uniqueEmail(tag) {
  return `${tag}-${randomUUID().slice(0, 8)}@example.com`;
}

/** Creates an account straight through the API (no browser), returning the email. */
export async function createUser(profile = {}, email = uniqueEmail('reader')) {
  const res = await fetch(`${API}/auth/signup`, {
    method: 'POST',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({
      email,
      password: PASSWORD,
      experience_level: 'beginner',
      professional_role: 'student',
      ...profile,
    }),
  });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${await res.text()}`);
  return email;
}

/** The navbar once the session is known: the "Sign in" link or the reader's email button. */
export function navbar(page) {
  return page.locator('nav.navbar');
}

export async function waitForSignedIn(page, email) {
  await navbar(page).getByRole('button', {name: email}).waitFor({state: 'visible'});
}

/** `label`: the navbar's "Sign in" in the page's language. */
export async function waitForSignedOut(page, label = 'Sign in') {
  await navbar(page).getByRole('link', {name: label, exact: true}).waitFor({state: 'visible'});
}

export async function signInThroughForm(page, email, password = PASSWORD, next) {
  await page.goto(`${SITE}/auth/login${next ? `?next=${encodeURIComponent(next)}` : ''}`);
  await page.getByLabel('Email', {exact: true}).fill(email);
  await page.getByLabel('Password', {exact: true}).fill(password);
  await page.getByRole('button', {name: 'Sign In', exact: true}).click();
}

/** Records requests to the API's /auth/* routes made by `page`. */
export function recordAuthRequests(page) {
  const seen = [];
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (url.origin === new URL(API).origin && url.pathname.startsWith('/auth/') && req.method() !== 'OPTIONS') {
      seen.push(`${req.method()} ${url.pathname}`);
    }
  });
  return seen;
}

export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, {recursive: true});
  await page.screenshot({path: `${ARTIFACTS}${name}.png`, fullPage: true});
}
