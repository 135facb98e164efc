import type {ReactNode} from 'react';

export interface JointLimitsProps {
  /** Rows of "joint: min..max" (degrees), one per line. */
  children?: ReactNode;
  caption: string;
}

/** A small table of joint limits: a React component the chapters use without imports (see src/theme/MDXComponents). */
export default function JointLimits({caption, children}: JointLimitsProps): ReactNode {
  return (
    <figure className="joint-limits" data-component="JointLimits">
      <figcaption>{caption}</figcaption>
      {children}
    </figure>
  );
}
