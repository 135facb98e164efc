import {useId, useState} from 'react';
import type {ReactNode} from 'react';

export interface SectionProps {
  title: string;
  /** One line under the title, visible while the section is closed. */
  summary?: ReactNode;
  defaultOpen?: boolean;
  /** 'danger' gives the section a red edge (delete account). */
  tone?: 'default' | 'danger';
  /** Rendered only while the section is open, so a section that loads data loads it when opened. */
  children: ReactNode;
}

/**
 * A collapsible part of the account page: a native <details>/<summary> (keyboard and screen-reader
 * support come with it) whose body mounts on opening. Lists that need an API call load only then,
 * so opening the account page costs the one GET /auth/me every page costs.
 */
export default function Section({title, summary, defaultOpen = false, tone = 'default', children}: SectionProps): ReactNode {
  const [open, setOpen] = useState(defaultOpen);
  const id = useId();
  return (
    <details className={`authgate-section${tone === 'danger' ? ' authgate-section--danger' : ''}`} open={open}>
      <summary
        className="authgate-section__summary"
        aria-controls={`${id}-body`}
        onClick={(event) => {
          // Controlled: React owns `open`, so the body mounts and unmounts with it.
          event.preventDefault();
          setOpen((v) => !v);
        }}>
        <h2 className="authgate-section__title">{title}</h2>
        {summary && <span className="authgate-section__hint">{summary}</span>}
      </summary>
      <div id={`${id}-body`} className="authgate-section__body">
        {open && children}
      </div>
    </details>
  );
}
