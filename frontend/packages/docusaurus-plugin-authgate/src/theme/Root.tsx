import {useEffect} from 'react';
import type {ReactNode} from 'react';
import OriginalRoot from '@theme-init/Root';
import {useHistory, useLocation} from '@docusaurus/router';
import {AuthProvider, useAuth, useAuthgateConfig} from 'docusaurus-plugin-authgate/client';

/**
 * A reader who arrived through a provider has no profile yet: before reading on, they say who they are (the
 * complete-profile page), then come back to the page they were going to. The kit's own pages are left alone.
 */
function ProfileCompletion(): null {
  const {status, profile} = useAuth();
  const {paths} = useAuthgateConfig();
  const location = useLocation();
  const history = useHistory();
  const authPrefix = paths.login.replace(/[^/]*$/, '');
  const incomplete = status === 'signed-in' && profile === null && !location.pathname.startsWith(authPrefix);
  useEffect(() => {
    if (!incomplete) return;
    const here = `${location.pathname}${location.search}${location.hash}`;
    history.replace(`${paths.completeProfile}?next=${encodeURIComponent(here)}`);
  }, [incomplete]);
  return null;
}

/** Puts every page of the site inside the reader's session. */
export default function Root({children}: {children: ReactNode}): ReactNode {
  const {apiBaseUrl, refreshLeewaySeconds} = useAuthgateConfig();
  return (
    <AuthProvider apiBaseUrl={apiBaseUrl} refreshLeewaySeconds={refreshLeewaySeconds}>
      <ProfileCompletion />
      <OriginalRoot>{children}</OriginalRoot>
    </AuthProvider>
  );
}
