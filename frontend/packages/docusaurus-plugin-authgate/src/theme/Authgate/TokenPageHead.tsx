import type {ReactNode} from 'react';
import Head from '@docusaurus/Head';

/**
 * For the pages opened from a mailed link: no Referer leaves them, so the token in their URL never
 * reaches another site through a link or a loaded resource (OWASP Forgot Password Cheat Sheet).
 */
export default function TokenPageHead(): ReactNode {
  return (
    <Head>
      <meta name="referrer" content="no-referrer" />
      <meta name="robots" content="noindex" />
    </Head>
  );
}
