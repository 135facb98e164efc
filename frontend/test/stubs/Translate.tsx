// Stand-in for @docusaurus/Translate with its lookup rule: the message of the id in the current locale's
// code translations (test/stubs/codeTranslations), else the default message; then the placeholders.
import type {ReactNode} from 'react';
import codeTranslations from './codeTranslations';
import {interpolate} from './Interpolate';
import type {InterpolateValues} from './Interpolate';

interface TranslateParam {
  id?: string;
  message: string;
  description?: string;
}

function localized({id, message}: {id?: string; message?: string}): string {
  const key = id ?? message;
  if (key === undefined) throw new Error('a translation needs an id or a message');
  return codeTranslations[key] ?? message ?? key;
}

export function translate(param: TranslateParam, values?: Record<string, string | number>): string {
  return interpolate(localized(param), values as InterpolateValues) as string;
}

export default function Translate({
  id,
  children,
  values,
}: {
  id?: string;
  description?: string;
  children?: string;
  values?: InterpolateValues;
}): ReactNode {
  if (children !== undefined && typeof children !== 'string') throw new Error('<Translate> takes a plain string');
  return <>{interpolate(localized({id, message: children}), values)}</>;
}
