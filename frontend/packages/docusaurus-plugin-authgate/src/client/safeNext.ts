/**
 * Where to send the reader after signing in. Only a path on this same site is accepted
 * ("/docs/intro?x=1#part"); anything that could leave the site — "//evil.com", "/\\evil.com",
 * "https://evil.com", "javascript:..." — and the auth pages themselves fall back to `fallback`.
 */
export function safeNextPath(next: string | null | undefined, fallback = '/', authPrefix = '/auth/'): string {
  if (typeof next !== 'string' || next.length === 0 || next.length > 2048) return fallback;
  // Must be a rooted path, and not protocol-relative; browsers treat "\" like "/" in URLs.
  if (!next.startsWith('/') || next.startsWith('//') || next.includes('\\')) return fallback;
  // Control characters and whitespace can be stripped by URL parsers and turn "/\t/evil.com" into "//evil.com".
  if (/[\u0000-\u0020\u007f]/.test(next)) return fallback;
  let parsed: URL;
  try {
    parsed = new URL(next, 'https://authgate.invalid');
  } catch {
    return fallback;
  }
  if (parsed.origin !== 'https://authgate.invalid') return fallback;
  const path = `${parsed.pathname}${parsed.search}${parsed.hash}`;
  if (parsed.pathname.startsWith('//')) return fallback;
  if (authPrefix && (parsed.pathname === authPrefix.replace(/\/$/, '') || parsed.pathname.startsWith(authPrefix))) {
    // Never bounce back to login/signup; the account page is a fine destination though.
    if (!parsed.pathname.startsWith(`${authPrefix}account`)) return fallback;
  }
  return path;
}

/** The current page as a `next` value (path, query and hash), or undefined during the static build. */
export function currentPathForNext(location: {pathname: string; search?: string; hash?: string}): string {
  return `${location.pathname}${location.search ?? ''}${location.hash ?? ''}`;
}
