import {useEffect, useRef, useState} from 'react';
import {useHistory, useLocation} from '@docusaurus/router';

/**
 * The token the plugin's head script took out of the address before any other script ran (see mailedTokenScript in
 * the plugin's index.ts), once: it is deleted as it is read.
 */
function takeStashedToken(): string | null {
  if (typeof window === 'undefined') return null;
  const holder = window as Window & {__authgateMailedToken?: unknown};
  const value = holder.__authgateMailedToken;
  delete holder.__authgateMailedToken;
  return typeof value === 'string' ? value : null;
}

/**
 * The `?token=` of a mailed link: `undefined` until it is read, then the token or `null` (no token in the link).
 *
 * It is read in an effect, after hydration: the server renders these pages without a query string, so a first
 * client render that read the URL would differ from the server's HTML (React's hydration error #418) and, until
 * the script ran, the page would tell a reader who just clicked the link that it has no token. Until then the
 * pages show a neutral "Checking your link…" (CheckingLink).
 *
 * Once read, the token is taken out of the address bar, so it is not left in the history, a bookmark or a shared
 * screenshot (OWASP Forgot Password Cheat Sheet: keep reset tokens out of places they leak from). The pages also
 * send no Referer (see TokenPageHead). On a page load the plugin's head script has already moved it out of the
 * address, before any other script could read it (analytics, client modules), and left it for this hook.
 */
export function useMailedToken(): string | null | undefined {
  const location = useLocation();
  const history = useHistory();
  const [token, setToken] = useState<string | null | undefined>(undefined);
  const read = useRef(false);
  useEffect(() => {
    const params = new URLSearchParams(location.search);
    if (!read.current) {
      read.current = true;
      // the head script usually took it out of the address already; a client-side visit still has it there
      const stashed = takeStashedToken();
      const value = params.get('token') ?? stashed;
      setToken(value && value.trim() ? value.trim() : null);
    }
    if (!params.has('token')) return;
    params.delete('token');
    const rest = params.toString();
    history.replace(`${location.pathname}${rest ? `?${rest}` : ''}${location.hash}`);
  }, [history, location.pathname, location.search, location.hash]);
  return token;
}
