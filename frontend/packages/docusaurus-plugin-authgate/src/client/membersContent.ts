/**
 * The browser half of members-only content: one GET /auth/content/{page} per page and reader (every placeholder of
 * the page shares it), and the blocks' compiled MDX run with React's JSX runtime and the site's MDX components.
 */
import type {ComponentType} from 'react';
import * as jsxRuntime from 'react/jsx-runtime';
import {useMDXComponents} from '@mdx-js/react';
import {isErrorCode, type ErrorCode} from './errors';
import type {components} from './generated/api';

type Schemas = components['schemas'];
export type MembersRuleBody = Schemas['ContentRule'];
export type MembersBlockBody = Schemas['ContentPage']['blocks'][number];

export type MembersPageResult =
  | {kind: 'content'; blocks: MembersBlockBody[]}
  /** every block refused (403), or nothing to read (404): the API's code */
  | {kind: 'refused'; code: ErrorCode; status: number}
  | {kind: 'failed'};

type AuthFetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

// one request per page and reader: the key holds who the reader is and their profile, so a sign-in, a sign-out or a
// profile change asks again, and nothing else does
const pages = new Map<string, Promise<MembersPageResult>>();

export function membersPageUrl(page: string): string {
  return `/auth/content/${encodeURIComponent(page)}`;
}

async function fetchPage(authFetch: AuthFetch, page: string): Promise<MembersPageResult> {
  let response: Response;
  try {
    response = await authFetch(membersPageUrl(page), {method: 'GET', cache: 'no-store'});
  } catch {
    return {kind: 'failed'};
  }
  const body = (await response.json().catch(() => null)) as {blocks?: MembersBlockBody[]; code?: unknown} | null;
  if (response.ok && body && Array.isArray(body.blocks)) return {kind: 'content', blocks: body.blocks};
  if ((response.status === 403 || response.status === 404 || response.status === 401) && isErrorCode(body?.code)) {
    return {kind: 'refused', code: body.code, status: response.status};
  }
  return {kind: 'failed'};
}

/** The page's blocks for this reader; asked once per (page, reader key), again after a failure. */
export function loadMembersPage(authFetch: AuthFetch, page: string, readerKey: string): Promise<MembersPageResult> {
  const key = `${page}\n${readerKey}`;
  let pending = pages.get(key);
  if (!pending) {
    pending = fetchPage(authFetch, page).then((result) => {
      if (result.kind === 'failed') pages.delete(key);
      return result;
    });
    pages.set(key, pending);
  }
  return pending;
}

const components = new Map<string, ComponentType>();

/** Drops every page and block kept in memory (on sign-out: no protected content stays in the tab). */
export function forgetMembersPages(): void {
  pages.clear();
  components.clear();
}

/**
 * The React component of one admitted block. The code is the body of a function, compiled by the site's own MDX
 * pipeline at build time and served by the API (never by the site): it returns the module's exports.
 */
export function blockComponent(code: string): ComponentType {
  let component = components.get(code);
  if (!component) {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- compiled MDX from the site's own build, via the API
    const run = new Function(code) as (scope: Record<string, unknown>) => {default: ComponentType};
    component = run({...jsxRuntime, useMDXComponents}).default;
    components.set(code, component);
  }
  return component;
}
