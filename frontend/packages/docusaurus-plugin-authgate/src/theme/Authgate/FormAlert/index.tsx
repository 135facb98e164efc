import type {ReactNode} from 'react';

export interface FormAlertProps {
  message?: string | null;
  variant?: 'danger' | 'success' | 'info';
  /** Something to do about it, e.g. a link to request a new email. */
  children?: ReactNode;
}

/**
 * The API's message after a failed (or successful) submit. Errors use role="alert" so screen readers
 * announce them at once, and can take the focus (tabIndex -1: useForm moves it there after a failed submit);
 * success and information use role="status".
 */
export default function FormAlert({message, variant = 'danger', children}: FormAlertProps): ReactNode {
  if (!message) return null;
  return (
    <div
      role={variant === 'danger' ? 'alert' : 'status'}
      tabIndex={variant === 'danger' ? -1 : undefined}
      className={`alert alert--${variant} authgate-form__alert`}>
      {message}
      {children && <div className="authgate-form__alert-action">{children}</div>}
    </div>
  );
}
