import {useState} from 'react';
import type {FormEvent, ReactNode} from 'react';
import {translate} from '@docusaurus/Translate';
import Field from '@theme/Authgate/Field';
import {
  confirmNewPasswordLabel,
  confirmRequired,
  currentPasswordLabel,
  currentPasswordRequired,
  newPasswordLabel,
  newPasswordRequired,
  passwordHint,
  passwordsDiffer,
} from '@theme/Authgate/labels';
import {useLocale} from '@theme/Authgate/format';
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
  if (!current) found.current = currentPasswordRequired();
  const weak = next ? validatePassword(next, email) : newPasswordRequired();
  if (weak) found.next = weak;
  else if (next === current) {
    found.next = translate({
      id: 'authgate.changePassword.same',
      message: 'Choose a password different from the current one.',
      description: 'Form error: the new password is the current one',
    });
  }
  if (!confirm) found.confirm = confirmRequired();
  else if (!weak && confirm !== next) found.confirm = passwordsDiffer();
  return found;
}

export function ChangePasswordForm(): ReactNode {
  const {user, changePassword} = useAuth();
  const [saved, setSaved] = useState<string | null>(null);
  const locale = useLocale();
  // Errors stay until the next submit; a wrong current password is shown on its field.
  const form = useForm<Values>({
    initial: EMPTY,
    validate: (values) => validate(values, user?.email),
    ids: IDS,
    recheck: [],
    fallback: translate({
      id: 'authgate.changePassword.failed',
      message: 'Changing the password failed. Please try again.',
      description: 'Alert when changing the password failed without a message from the API',
    }),
    submit: async ({current, next}) => {
      await changePassword(current, next);
      form.reset();
      setSaved(
        translate({
          id: 'authgate.changePassword.done',
          message: 'Your password is changed. Your other devices were signed out; this one stays signed in.',
          description: 'Confirmation after changing the password',
        }),
      );
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
    <form
      noValidate
      onSubmit={onSubmit}
      aria-label={translate({
        id: 'authgate.changePassword.formLabel',
        message: 'Change your password',
        description: 'Accessible name of the change-password form',
      })}>
      <FormAlert message={alert} />
      <FormAlert message={saved} variant="success" />
      {/* Lets password managers tie the new password to this account. */}
      <input type="text" name="username" autoComplete="username" value={user?.email ?? ''} readOnly hidden />
      <Field id={IDS.current} label={currentPasswordLabel()} error={errors.current}>
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
        label={newPasswordLabel()}
        error={errors.next}
        hint={passwordHint(PASSWORD_MIN, PASSWORD_MAX, locale)}>
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
      <Field id={IDS.confirm} label={confirmNewPasswordLabel()} error={errors.confirm}>
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
        {pending
          ? translate({id: 'authgate.changePassword.pending', message: 'Changing…', description: 'The button while changing'})
          : translate({
              id: 'authgate.changePassword.submit',
              message: 'Change password',
              description: 'Button that changes the password',
            })}
      </button>
    </form>
  );
}

export default function ChangePasswordSection(): ReactNode {
  return (
    <Section
      title={translate({id: 'authgate.changePassword.title', message: 'Password', description: 'Account section title'})}
      summary={translate({
        id: 'authgate.changePassword.summary',
        message: 'Change your password; your other devices are signed out.',
        description: 'Account section summary, under its title',
      })}>
      <ChangePasswordForm />
    </Section>
  );
}
