import type {ReactNode} from 'react';

/** Neutral space shown while the session is being checked, so no wrong state flashes. */
export default function Placeholder(): ReactNode {
  return (
    <main className="container margin-vert--xl" aria-busy="true">
      <div className="authgate-placeholder" />
    </main>
  );
}
