import type {ReactNode} from 'react';
import Link from '@docusaurus/Link';
import Translate, {translate} from '@docusaurus/Translate';
import Card from '@theme/Authgate/Card';
import {continueReadingLabel, yourAccountLabel} from '@theme/Authgate/labels';
import {useAuth, useAuthgateConfig} from 'docusaurus-plugin-authgate/client';

/** Shown on the sign-in and sign-up pages to a reader who is already signed in. */
export default function AlreadySignedIn({next}: {next: string}): ReactNode {
  const {user} = useAuth();
  const {paths} = useAuthgateConfig();
  return (
    <Card
      title={translate({
        id: 'authgate.alreadySignedIn.title',
        message: "You're signed in",
        description: 'Title of the sign-in and sign-up pages for a reader who is already signed in',
      })}
      lead={
        <Translate
          id="authgate.alreadySignedIn.lead"
          description="Under the title for a reader who is already signed in; {email} is their address"
          values={{email: <strong>{user?.email}</strong>}}>
          {'Signed in as {email}.'}
        </Translate>
      }>
      <div className="authgate-actions">
        <Link className="button button--primary" to={next}>
          {continueReadingLabel()}
        </Link>
        <Link className="button button--secondary button--outline" to={paths.account}>
          {yourAccountLabel()}
        </Link>
      </div>
    </Card>
  );
}
