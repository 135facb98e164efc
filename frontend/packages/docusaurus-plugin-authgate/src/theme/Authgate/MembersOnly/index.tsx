import {useEffect, useState, type ReactNode} from 'react';
import Link from '@docusaurus/Link';
import {useLocation} from '@docusaurus/router';
import {
  blockComponent,
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

const REASONS: Record<string, string> = {
  EMAIL_NOT_VERIFIED: 'Verify your email address to read this part.',
  PROFILE_REQUIRED: 'Complete your profile to read this part.',
  LEVEL_NOT_ADMITTED: 'This part is not for your profile: it is written for readers of another experience level.',
  ROLE_NOT_ADMITTED: 'This part is not for your profile: it is written for readers in another role.',
  CONTENT_NOT_ADMITTED: 'This part is not for your profile.',
  CONTENT_NOT_FOUND: 'This part is not available right now.',
};

function Frame({teaser, children, state}: {teaser?: string; children: ReactNode; state: string}): ReactNode {
  return (
    <div className="authgate-members" data-members-state={state}>
      {teaser ? <p className="authgate-members__teaser">{teaser}</p> : null}
      <div className="authgate-members__note">{children}</div>
    </div>
  );
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
        This members-only block was not protected by the build (is docusaurus-plugin-authgate in the site's plugins,
        with membersOnly on?).
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
        <Link to={`${paths.login}?next=${encodeURIComponent(next)}`}>Sign in to read</Link> this members-only part.
      </Frame>
    );
  }
  if (result?.kind === 'failed') {
    return <Frame teaser={teaser} state="failed">This part could not be loaded. Reload the page to try again.</Frame>;
  }
  if (result?.kind === 'refused') {
    return (
      <Frame teaser={teaser} state="denied">
        {REASONS[result.code] ?? REASONS.CONTENT_NOT_ADMITTED}
      </Frame>
    );
  }
  const found = result?.blocks.find((b) => b.index === Number(block));
  if (!found) return <Frame teaser={teaser} state="failed">{REASONS.CONTENT_NOT_FOUND}</Frame>;
  if (found.status === 'denied') {
    return (
      <Frame teaser={teaser} state="denied">
        {REASONS[found.reason] ?? REASONS.CONTENT_NOT_ADMITTED}
      </Frame>
    );
  }
  let Content;
  try {
    Content = blockComponent(found.code);
  } catch {
    return <Frame teaser={teaser} state="failed">{REASONS.CONTENT_NOT_FOUND}</Frame>;
  }
  return (
    <div className="authgate-members authgate-members--open" data-members-state="admitted">
      <Content />
    </div>
  );
}
