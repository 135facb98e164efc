import type {ReactNode} from 'react';
import Card from '@theme/Authgate/Card';

/**
 * What a page opened from a mailed link shows until it has read the link (useMailedToken): the same on the
 * server and in the first client render, and true whether the link holds a token or not.
 */
export default function CheckingLink({title}: {title: string}): ReactNode {
  return (
    <Card title={title} lead="Checking your link…">
      <div className="authgate-placeholder authgate-placeholder--short" aria-busy="true" />
    </Card>
  );
}
