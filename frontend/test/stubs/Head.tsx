// Stand-in for @docusaurus/Head: renders nothing in unit tests (document head is not under test).
import type {ReactNode} from 'react';

export default function Head(_props: {children?: ReactNode}) {
  return null;
}
