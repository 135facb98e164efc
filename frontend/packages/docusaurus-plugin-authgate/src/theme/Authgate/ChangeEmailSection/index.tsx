import {useState} from 'react';
import type {FormEvent, ReactNode} from 'react';
import Field from '@theme/Authgate/Field';
import FormAlert from '@theme/Authgate/FormAlert';
import Section from '@theme/Authgate/Section';
import {useForm} from '@theme/Authgate/useForm';
import {AuthError, useAuth, validateEmail} from 'docusaurus-plugin-authgate/client';

const IDS = {email: 'authgate-change-email-new', password: 'authgate-change-email-password'};

type Values = {email: string; password: string};
type Errors = {email?: string; password?: string};

function validate({email, password}: Values, current: string | undefined): Errors {
  const found: Errors = {};
  const bad = validateEmail(email);
  if (bad) found.email = bad === 'Enter your email address.' ? 'Enter the new email address.' : bad;
  else if (current !== undefined && email.trim().toLowerCase() === current.toLowerCase()) {
    found.email = 'This is already your email address.';
  }
  if (!password) found.password = 'Enter your current password.';
  return found;
}

export function ChangeEmailForm(): ReactNode {
  const {user, changeEmail} = useAuth();
  const [sent, setSent] = useState<string | null>(null);
  // Errors stay until the next submit; a wrong current password is shown on its field.
  const form = useForm<Values>({
    initial: {email: '', password: ''},
    validate: (values) => validate(values, user?.email),
    ids: IDS,
    recheck: [],
    fallback: 'Changing the email failed. Please try again.',
    submit: async ({email, password}) => {
      const target = email.trim();
      await changeEmail(target, password);
      form.reset();
      setSent(
        `Check your inbox at ${target} and open the link there to finish the change. ` +
          `Until then, you keep signing in with ${user?.email ?? 'your current address'}.`,
      );
    },
    fieldErrors: (err) =>
      err instanceof AuthError && err.code === 'INVALID_PASSWORD' ? {password: err.message} : undefined,
  });
  const {values, errors, alert, pending, set} = form;

  // every attempt takes down the last confirmation
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    setSent(null);
    return form.onSubmit(event);
  };

  return (
    <form noValidate onSubmit={onSubmit} aria-label="Change your email">
      <FormAlert message={alert} />
      <FormAlert message={sent} variant="success" />
      <Field id={IDS.email} label="New email" error={errors.email}>
        {(control) => (
          <input
            {...control}
            type="email"
            name="new-email"
            autoComplete="email"
            inputMode="email"
            autoCapitalize="none"
            spellCheck={false}
            required
            value={values.email}
            onChange={(e) => set('email', e.target.value)}
          />
        )}
      </Field>
      <Field id={IDS.password} label="Current password" error={errors.password}>
        {(control) => (
          <input
            {...control}
            type="password"
            name="current-password"
            autoComplete="current-password"
            required
            value={values.password}
            onChange={(e) => set('password', e.target.value)}
          />
        )}
      </Field>
      <button type="submit" className="button button--primary authgate-form__submit" disabled={pending}>
        {pending ? 'Sending…' : 'Change email'}
      </button>
    </form>
  );
}

export default function ChangeEmailSection(): ReactNode {
  const {user} = useAuth();
  return (
    <Section
      title="Email address"
      summary={
        <>
          Change the address you sign in with.{' '}
          {user?.is_verified ? (
            <span className="badge badge--success">Verified</span>
          ) : (
            <span className="badge badge--warning">Not verified</span>
          )}
        </>
      }>
      <p className="authgate-section__text">
        We send a link to the new address; the change happens when you open it. Your current address is told
        about the change.
      </p>
      <ChangeEmailForm />
    </Section>
  );
}
