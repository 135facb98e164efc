import {useRef, useState} from 'react';
import type {FormEvent, ReactNode} from 'react';
import Field from '@theme/Authgate/Field';
import FormAlert from '@theme/Authgate/FormAlert';
import Section from '@theme/Authgate/Section';
import {focusFirstError} from '@theme/Authgate/focusFirstError';
import {AuthError, useAuth} from 'docusaurus-plugin-authgate/client';

const IDS = {password: 'authgate-delete-password', confirm: 'authgate-delete-confirm'};

type Errors = {password?: string; confirm?: string};

export interface DeleteAccountSectionProps {
  /** Called just before the request is sent (with true) and if it fails (with false). */
  onDeleting?: (starting: boolean) => void;
}

export function DeleteAccountForm({onDeleting}: DeleteAccountSectionProps): ReactNode {
  const {user, deleteAccount} = useAuth();
  const [password, setPassword] = useState('');
  const [confirmed, setConfirmed] = useState(false);
  const [errors, setErrors] = useState<Errors>({});
  const [alert, setAlert] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const inFlight = useRef(false);

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (inFlight.current) return;
    const found: Errors = {};
    if (!password) found.password = 'Enter your password.';
    if (!confirmed) found.confirm = 'Tick the box to confirm that you want to delete your account.';
    setErrors(found);
    setAlert(null);
    if (Object.keys(found).length > 0) {
      focusFirstError(IDS, found);
      return;
    }
    inFlight.current = true;
    setPending(true);
    onDeleting?.(true);
    try {
      await deleteAccount(password);
    } catch (err) {
      onDeleting?.(false);
      if (err instanceof AuthError && err.code === 'INVALID_PASSWORD') {
        setErrors({password: err.message});
        focusFirstError(IDS, {password: err.message});
      } else {
        setAlert(err instanceof Error ? err.message : 'Deleting the account failed. Please try again.');
      }
      setPending(false);
      inFlight.current = false;
    }
  };

  return (
    <form noValidate onSubmit={onSubmit} aria-label="Delete your account">
      <FormAlert message={alert} />
      <input type="text" name="username" autoComplete="username" value={user?.email ?? ''} readOnly hidden />
      <Field id={IDS.password} label="Current password" error={errors.password}>
        {(control) => (
          <input
            {...control}
            type="password"
            name="current-password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        )}
      </Field>
      <div className="authgate-field">
        <label className="authgate-check" htmlFor={IDS.confirm}>
          <input
            id={IDS.confirm}
            type="checkbox"
            checked={confirmed}
            aria-invalid={Boolean(errors.confirm)}
            aria-describedby={errors.confirm ? `${IDS.confirm}-error` : undefined}
            onChange={(e) => {
              setConfirmed(e.target.checked);
              if (e.target.checked) setErrors((v) => ({...v, confirm: undefined}));
            }}
          />
          <span>I understand that my account, profile and history are deleted for good.</span>
        </label>
        {errors.confirm && (
          <p id={`${IDS.confirm}-error`} className="authgate-field__error">
            {errors.confirm}
          </p>
        )}
      </div>
      <button type="submit" className="button button--danger authgate-form__submit" disabled={pending}>
        {pending ? 'Deleting…' : 'Delete my account'}
      </button>
    </form>
  );
}

export default function DeleteAccountSection(props: DeleteAccountSectionProps): ReactNode {
  return (
    <Section title="Delete account" summary="Remove your account and everything in it." tone="danger">
      <p className="authgate-section__text">
        This deletes your account, your reading profile, your signed-in devices and your security history at
        once. It cannot be undone. You can download your data first.
      </p>
      <DeleteAccountForm {...props} />
    </Section>
  );
}
