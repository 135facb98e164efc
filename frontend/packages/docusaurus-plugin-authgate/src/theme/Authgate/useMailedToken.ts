import {useEffect, useState} from 'react';
import {useHistory, useLocation} from '@docusaurus/router';

/**
 * The `?token=` of a mailed link, read once; then the token is taken out of the address bar, so it is
 * not left in the history, a bookmark or a shared screenshot (OWASP Forgot Password Cheat Sheet: keep
 * reset tokens out of places they leak from). The pages also send no Referer (see TokenPageHead).
 */
export function useMailedToken(): string | null {
  const location = useLocation();
  const history = useHistory();
  const [token] = useState<string | null>(() => {
    const value = new URLSearchParams(location.search).get('token');
    return value && value.trim() ? value.trim() : null;
  });
  const hasTokenInUrl = new URLSearchParams(location.search).has('token');
  useEffect(() => {
    if (!hasTokenInUrl) return;
    const params = new URLSearchParams(location.search);
    params.delete('token');
    const rest = params.toString();
    history.replace(`${location.pathname}${rest ? `?${rest}` : ''}${location.hash}`);
  }, [hasTokenInUrl, history, location.pathname, location.search, location.hash]);
  return token;
}
