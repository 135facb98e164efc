import {useEffect, useState, type ReactNode} from 'react';
import Link from '@docusaurus/Link';
import Translate, {translate} from '@docusaurus/Translate';
import {useLocation} from '@docusaurus/router';
import {
  blockComponent,
  codeMessage,
  forgetMembersPages,
  loadMembersPage,
  useAuth,
  useAuthgateConfig,
  type MembersPageResult,
} from 'docusaurus-plugin-authgate/client';

export interface MembersOnlyProps {
  /** Set by the build (the remark plugin): the page's id, the block's index, its rule and teaser. */
  page?: string;
  block?: string;
  rule?: string;
  teaser?: string;
  /** Present only when the build did not cut the block out (the kit's remark plugin is not running). */
  children?: ReactNode;
}

function Frame({teaser, children, state}: {teaser?: string; children: ReactNode; state: string}): ReactNode {
  return (
    <div className="authgate-members" data-members-state={state}>
      {teaser ? <p className="authgate-members__teaser">{teaser}</p> : null}
      <div className="authgate-members__note">{children}</div>
    </div>
  );
}

function unavailable(): string {
  return codeMessage('CONTENT_NOT_FOUND')!;
}

/**
 * The place of a members-only block in the page. The block itself is not in the page: it is fetched from the API
 * (one request for all the page's blocks) with the reader's access token and shown here when their profile admits it.
 */
export default function MembersOnly({page, block, teaser, children}: MembersOnlyProps): ReactNode {
  const {status, user, profile, authFetch} = useAuth();
  const {paths} = useAuthgateConfig();
  const location = useLocation();
  const [result, setResult] = useState<MembersPageResult | null>(null);
  // who is reading: another reader or another profile asks again
  const readerKey = user ? [user.id, user.is_verified, profile?.experience_level, profile?.professional_role].join(' ') : '';

  useEffect(() => {
    setResult(null);
    if (status === 'signed-out') forgetMembersPages();
    if (status !== 'signed-in' || !page || children !== undefined) return undefined;
    let current = true;
    void loadMembersPage(authFetch, page, readerKey).then((loaded) => {
      if (current) setResult(loaded);
    });
    return () => {
      current = false;
    };
  }, [status, page, readerKey, authFetch, children]);

  if (children !== undefined || !page) {
    // never show what should have been protected: it already reached the public bundle
    return (
      <Frame state="misconfigured">
        {translate({
          id: 'authgate.members.unprotected',
          message:
            'This members-only block was not protected by the build (is docusaurus-plugin-authgate in the site\'s plugins, with membersOnly on?).',
          description: 'Shown to the site author in place of a members-only block the build did not cut out of the page',
        })}
      </Frame>
    );
  }
  if (status === 'loading' || (status === 'signed-in' && result === null)) {
    // the teaser is public: it is in the static HTML too, for readers and crawlers without JavaScript
    return (
      <div className="authgate-members" aria-busy="true" data-members-state="loading">
        {teaser ? <p className="authgate-members__teaser">{teaser}</p> : null}
        <div className="authgate-placeholder authgate-placeholder--short" />
      </div>
    );
  }
  if (status === 'signed-out') {
    const next = `${location.pathname}${location.search}${location.hash}`;
    return (
      <Frame teaser={teaser} state="signed-out">
        <Translate
          id="authgate.members.signInToRead"
          description="In place of a members-only block for a signed-out reader; {link} is the link 'Sign in to read'"
          values={{
            link: (
              <Link to={`${paths.login}?next=${encodeURIComponent(next)}`}>
                {translate({
                  id: 'authgate.members.signInLink',
                  message: 'Sign in to read',
                  description: 'The link to the sign-in page in place of a members-only block',
                })}
              </Link>
            ),
          }}>
          {'{link} this members-only part.'}
        </Translate>
      </Frame>
    );
  }
  if (result?.kind === 'failed') {
    return (
      <Frame teaser={teaser} state="failed">
        {translate({
          id: 'authgate.members.failed',
          message: 'This part could not be loaded. Reload the page to try again.',
          description: 'In place of a members-only block when the API could not be reached',
        })}
      </Frame>
    );
  }
  if (result?.kind === 'refused') {
    return (
      <Frame teaser={teaser} state="denied">
        {codeMessage(result.code) ?? codeMessage('CONTENT_NOT_ADMITTED')}
      </Frame>
    );
  }
  const found = result?.blocks.find((b) => b.index === Number(block));
  if (!found) return <Frame teaser={teaser} state="failed">{unavailable()}</Frame>;
  if (found.status === 'denied') {
    return (
      <Frame teaser={teaser} state="denied">
        {codeMessage(found.reason) ?? codeMessage('CONTENT_NOT_ADMITTED')}
      </Frame>
    );
  }
  let Content;
  try {
    Content = blockComponent(found.code);
  } catch {
    return <Frame teaser={teaser} state="failed">{unavailable()}</Frame>;
  }
  return (
    <div className="authgate-members authgate-members--open" data-members-state="admitted">
      <Content />
    </div>
  );
}
