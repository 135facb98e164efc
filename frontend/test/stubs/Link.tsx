// Stand-in for @docusaurus/Link: an internal link through react-router.
import type {ReactNode} from 'react';
import {Link as RouterLink} from 'react-router-dom';

export default function Link({to, href, children, ...rest}: {to?: string; href?: string; children?: ReactNode; [k: string]: unknown}) {
  return (
    <RouterLink to={to ?? href ?? '#'} {...rest}>
      {children}
    </RouterLink>
  );
}
