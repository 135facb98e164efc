import type {ReactNode} from 'react';
import Translate from '@docusaurus/Translate';

export interface FieldProps {
  id: string;
  label: string;
  error?: string;
  hint?: ReactNode;
  optional?: boolean;
  /** Receives the attributes that tie the control to its label, hint and error. */
  children: (control: {
    id: string;
    className: string;
    'aria-invalid': boolean;
    'aria-describedby'?: string;
  }) => ReactNode;
}

/** A labelled form control with an optional hint and an error message read by screen readers. */
export default function Field({id, label, error, hint, optional, children}: FieldProps): ReactNode {
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined;
  return (
    <div className="authgate-field">
      <div className="authgate-field__label-row">
        <label className="authgate-field__label" htmlFor={id}>
          {label}
        </label>
        {optional && (
          <span className="authgate-field__optional">
            <Translate id="authgate.field.optional" description="Beside the label of a form field that may be left empty">
              Optional
            </Translate>
          </span>
        )}
      </div>
      {children({
        id,
        className: 'authgate-field__control',
        'aria-invalid': Boolean(error),
        'aria-describedby': describedBy,
      })}
      {hint && (
        <p id={hintId} className="authgate-field__hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={errorId} className="authgate-field__error">
          {error}
        </p>
      )}
    </div>
  );
}
