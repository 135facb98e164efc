import type {ReactNode} from 'react';

export interface CardProps {
  title: string;
  lead?: ReactNode;
  footer?: ReactNode;
  wide?: boolean;
  children?: ReactNode;
}

/** The frame of every authgate page: a centred card under the site's navbar. */
export default function Card({title, lead, footer, wide, children}: CardProps): ReactNode {
  return (
    <main className="container margin-vert--xl">
      <div className={`authgate-card${wide ? ' authgate-card--wide' : ''}`}>
        <h1>{title}</h1>
        {lead && <p className="authgate-card__lead">{lead}</p>}
        {children}
        {footer && <div className="authgate-card__footer">{footer}</div>}
      </div>
    </main>
  );
}
