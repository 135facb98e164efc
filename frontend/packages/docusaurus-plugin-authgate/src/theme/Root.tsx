import type {ReactNode} from 'react';
import OriginalRoot from '@theme-init/Root';
import {AuthProvider, useAuthgateConfig} from 'docusaurus-plugin-authgate/client';

/** Puts every page of the site inside the reader's session. */
export default function Root({children}: {children: ReactNode}): ReactNode {
  const {apiBaseUrl, refreshLeewaySeconds} = useAuthgateConfig();
  return (
    <AuthProvider apiBaseUrl={apiBaseUrl} refreshLeewaySeconds={refreshLeewaySeconds}>
      <OriginalRoot>{children}</OriginalRoot>
    </AuthProvider>
  );
}
