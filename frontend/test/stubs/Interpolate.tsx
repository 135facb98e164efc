// Stand-in for @docusaurus/Interpolate with the same rule: "{name}" placeholders take the values given; when a value
// is a React element the result is a list of nodes, else a string.
import {Fragment, isValidElement} from 'react';
import type {ReactNode} from 'react';

export type InterpolateValues = Record<string, ReactNode>;

export function interpolate(text: string, values?: InterpolateValues): ReactNode {
  const segments = text.split(/(\{\w+\})/).map((segment, index) => {
    if (index % 2 === 1) {
      const value = values?.[segment.slice(1, -1)];
      if (value !== undefined) return value;
    }
    return segment;
  });
  if (segments.some((s) => isValidElement(s))) {
    return segments.filter((s) => s !== '').map((s, i) => <Fragment key={i}>{s}</Fragment>);
  }
  return segments.join('');
}

export default function Interpolate({children, values}: {children: string; values?: InterpolateValues}): ReactNode {
  return <>{interpolate(children, values)}</>;
}
