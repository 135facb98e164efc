import MDXComponentsInit from '@theme-init/MDXComponents';
import {ForExperience, ForRole, SignedIn, SignedOut} from 'docusaurus-plugin-authgate/client';
import MembersOnly from '@theme/Authgate/MembersOnly';

/** The site's MDX components plus the authgate ones, so pages can use them without imports. */
const MDXComponents = {
  ...MDXComponentsInit,
  SignedIn,
  SignedOut,
  ForExperience,
  ForRole,
  MembersOnly,
};

export default MDXComponents;
