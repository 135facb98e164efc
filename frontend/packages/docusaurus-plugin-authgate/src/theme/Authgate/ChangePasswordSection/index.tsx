import {useState} from 'react';
import type {FormEvent, ReactNode} from 'react';
import Field from '@theme/Authgate/Field';
import FormAlert from '@theme/Authgate/FormAlert';
import Section from '@theme/Authgate/Section';
import {useForm} from '@theme/Authgate/useForm';
import {AuthError, PASSWORD_MAX, PASSWORD_MIN, useAuth, validatePassword} from 'docusaurus-plugin-authgate/client';

const IDS = {
  current: 'authgate-change-password-current',
  next: 'authgate-change-password-new',
  confirm: 'authgate-change-password-confirm',
};

type Values = {current: string; next: string; confirm: string};
type Errors = {current?: string; next?: string; confirm?: string};

const EMPTY: Values = {current: '', next: '', confirm: ''};

function validate({current, next, confirm}: Values, email: string | undefined): Errors {
  const found: Errors = {};
  if (!current) found.current = 'Enter your current password.';
  const weak = validatePassword(next, email);
  if (weak) found.next = weak === 'Enter a password.' ? 'Enter a new password.' : weak;
  else if (next === current) found.next = 'Choose a password different from the current one.';
  if (!confirm) found.confirm = 'Enter the new password again.';
  else if (!weak && confirm !== next) found.confirm = 'The two passwords do not match.';
  return found;
}

export function ChangePasswordForm(): ReactNode {
  const {user, changePassword} = useAuth();
  const [saved, setSaved] = useState<string | null>(null);
  // Errors stay until the next submit; a wrong current password is shown on its field.
  const form = useForm<Values>({
    initial: EMPTY,
    validate: (values) => validate(values, user?.email),
    ids: IDS,
    recheck: [],
    fallback: 'Changing the password failed. Please try again.',
    submit: async ({current, next}) => {
      await changePassword(current, next);
      form.reset();
      setSaved('Your password is changed. Your other devices were signed out; this one stays signed in.');
    },
    fieldErrors: (err) =>
      err instanceof AuthError && err.code === 'INVALID_PASSWORD' ? {current: err.message} : undefined,
  });
  const {values, errors, alert, pending, set} = form;

  // every attempt takes down the last confirmation
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    setSaved(null);
    return form.onSubmit(event);
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
            value={values.current}
            onChange={(e) => set('current', e.target.value)}
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
            value={values.next}
            onChange={(e) => set('next', e.target.value)}
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
            value={values.confirm}
            onChange={(e) => set('confirm', e.target.value)}
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
