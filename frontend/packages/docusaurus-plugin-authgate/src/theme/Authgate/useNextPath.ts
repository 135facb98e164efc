import {useLocation} from '@docusaurus/router';
import useBaseUrl from '@docusaurus/useBaseUrl';
import {safeNextPath, useAuthgateConfig} from 'docusaurus-plugin-authgate/client';

/**
 * Where to go after signing in or up: `?next=` when it is a path on this site, else the home page.
 * `raw` is the untouched parameter, to hand on between the login and sign-up pages.
 */
export function useNextPath(): {next: string; raw: string | null} {
  const location = useLocation();
  const home = useBaseUrl('/');
  const {paths} = useAuthgateConfig();
  const authPrefix = paths.login.replace(/[^/]*$/, '');
  const raw = new URLSearchParams(location.search).get('next');
  return {next: safeNextPath(raw, home, authPrefix), raw};
}

/** `path?next=...` when there is a next to pass on. */
export function withNext(path: string, raw: string | null): string {
  return raw ? `${path}?next=${encodeURIComponent(raw)}` : path;
}
