import {useRef, useState} from 'react';
import type {FormEvent, ReactNode} from 'react';
import Field from '@theme/Authgate/Field';
import FormAlert from '@theme/Authgate/FormAlert';
import Section from '@theme/Authgate/Section';
import {focusFirstError} from '@theme/Authgate/focusFirstError';
import {AuthError, PASSWORD_MAX, PASSWORD_MIN, useAuth, validatePassword} from 'docusaurus-plugin-authgate/client';

const IDS = {
  current: 'authgate-change-password-current',
  next: 'authgate-change-password-new',
  confirm: 'authgate-change-password-confirm',
};

type Errors = {current?: string; next?: string; confirm?: string};

export function ChangePasswordForm(): ReactNode {
  const {user, changePassword} = useAuth();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [alert, setAlert] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const inFlight = useRef(false);

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (inFlight.current) return;
    const found: Errors = {};
    if (!current) found.current = 'Enter your current password.';
    const weak = validatePassword(next, user?.email);
    if (weak) found.next = weak === 'Enter a password.' ? 'Enter a new password.' : weak;
    else if (next === current) found.next = 'Choose a password different from the current one.';
    if (!confirm) found.confirm = 'Enter the new password again.';
    else if (!weak && confirm !== next) found.confirm = 'The two passwords do not match.';
    setErrors(found);
    setAlert(null);
    setSaved(null);
    if (Object.keys(found).length > 0) {
      focusFirstError(IDS, found);
      return;
    }
    inFlight.current = true;
    setPending(true);
    try {
      await changePassword(current, next);
      setCurrent('');
      setNext('');
      setConfirm('');
      setSaved('Your password is changed. Your other devices were signed out; this one stays signed in.');
    } catch (err) {
      if (err instanceof AuthError && err.code === 'INVALID_PASSWORD') {
        setErrors({current: err.message});
        focusFirstError(IDS, {current: err.message});
      } else {
        setAlert(err instanceof Error ? err.message : 'Changing the password failed. Please try again.');
      }
    } finally {
      setPending(false);
      inFlight.current = false;
    }
  };

  return (
    <form noValidate onSubmit={onSubmit} aria-label="Change your password">
      <FormAlert message={alert} />
      <FormAlert message={saved} variant="success" />
      {/* Lets password managers tie the new password to this account. */}
      <input type="text" name="username" autoComplete="username" value={user?.email ?? ''} readOnly hidden />
      <Field id={IDS.current} label="Current password" error={errors.current}>
        {(control) => (
          <input
            {...control}
            type="password"
            name="current-password"
            autoComplete="current-password"
            required
            value={current}
            onChange={(e) => setCurrent(e.target.value)}
          />
        )}
      </Field>
      <Field
        id={IDS.next}
        label="New password"
        error={errors.next}
        hint={`${PASSWORD_MIN} to ${PASSWORD_MAX} characters. A passphrase of a few words works well.`}>
        {(control) => (
          <input
            {...control}
            type="password"
            name="new-password"
            autoComplete="new-password"
            required
            minLength={PASSWORD_MIN}
            maxLength={PASSWORD_MAX * 2}
            value={next}
            onChange={(e) => setNext(e.target.value)}
          />
        )}
      </Field>
      <Field id={IDS.confirm} label="Confirm new password" error={errors.confirm}>
        {(control) => (
          <input
            {...control}
            type="password"
            name="confirm-password"
            autoComplete="new-password"
            required
            value={confirm}
            onChange={(e) => setConfirm(e.target.value)}
          />
        )}
      </Field>
      <button type="submit" className="button button--primary authgate-form__submit" disabled={pending}>
        {pending ? 'Changing…' : 'Change password'}
      </button>
    </form>
  );
}

export default function ChangePasswordSection(): ReactNode {
  return (
    <Section title="Password" summary="Change your password; your other devices are signed out.">
      <ChangePasswordForm />
    </Section>
  );
}
