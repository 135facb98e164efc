import type {ReactNode} from 'react';

export interface FormAlertProps {
  message?: string | null;
  variant?: 'danger' | 'success';
}

/**
 * The API's message after a failed (or successful) submit. Errors use role="alert" so screen readers
 * announce them at once; success uses role="status".
 */
export default function FormAlert({message, variant = 'danger'}: FormAlertProps): ReactNode {
  if (!message) return null;
  return (
    <div
      role={variant === 'danger' ? 'alert' : 'status'}
      className={`alert alert--${variant} authgate-form__alert`}>
      {message}
    </div>
  );
}
