import type {ReactNode} from 'react';
import Link from '@docusaurus/Link';
import Card from '@theme/Authgate/Card';
import {useAuth, useAuthgateConfig} from 'docusaurus-plugin-authgate/client';

/** Shown on the sign-in and sign-up pages to a reader who is already signed in. */
export default function AlreadySignedIn({next}: {next: string}): ReactNode {
  const {user} = useAuth();
  const {paths} = useAuthgateConfig();
  return (
    <Card title="You're signed in" lead={<>Signed in as <strong>{user?.email}</strong>.</>}>
      <div className="authgate-actions">
        <Link className="button button--primary" to={next}>
          Continue reading
        </Link>
        <Link className="button button--secondary button--outline" to={paths.account}>
          Your account
        </Link>
      </div>
    </Card>
  );
}
