import type {ReactNode} from 'react';
import {translate} from '@docusaurus/Translate';
import Card from '@theme/Authgate/Card';

/**
 * What a page opened from a mailed link shows until it has read the link (useMailedToken): the same on the
 * server and in the first client render, and true whether the link holds a token or not.
 */
export default function CheckingLink({title}: {title: string}): ReactNode {
  return (
    <Card
      title={title}
      lead={translate({
        id: 'authgate.mailedLink.checking',
        message: 'Checking your link…',
        description: 'Shown on the reset and verify pages until they have read the link the reader followed',
      })}>
      <div className="authgate-placeholder authgate-placeholder--short" aria-busy="true" />
    </Card>
  );
}
