import type {ReactNode} from 'react';
import AnnouncementBarInit from '@theme-init/AnnouncementBar';
import VerifyEmailBanner from '@theme/Authgate/VerifyEmailBanner';

/**
 * The site's announcement bar, then the "verify your email" banner: the place Docusaurus keeps for
 * site-wide notices (after "skip to content", above the navbar).
 */
export default function AnnouncementBar(): ReactNode {
  return (
    <>
      <AnnouncementBarInit />
      <VerifyEmailBanner />
    </>
  );
}
