import {useState} from 'react';
import type {FormEvent, ReactNode} from 'react';
import Translate, {translate} from '@docusaurus/Translate';
import Field from '@theme/Authgate/Field';
import {currentPasswordLabel, currentPasswordRequired, sendingLabel} from '@theme/Authgate/labels';
import FormAlert from '@theme/Authgate/FormAlert';
import Section from '@theme/Authgate/Section';
import {useForm} from '@theme/Authgate/useForm';
import {AuthError, useAuth, validateEmail} from 'docusaurus-plugin-authgate/client';

const IDS = {email: 'authgate-change-email-new', password: 'authgate-change-email-password'};

type Values = {email: string; password: string};
type Errors = {email?: string; password?: string};

function validate({email, password}: Values, current: string | undefined): Errors {
  const found: Errors = {};
  const bad = email.trim()
    ? validateEmail(email)
    : translate({
        id: 'authgate.changeEmail.required',
        message: 'Enter the new email address.',
        description: 'Form error: the new email field is empty',
      });
  if (bad) found.email = bad;
  else if (current !== undefined && email.trim().toLowerCase() === current.toLowerCase()) {
    found.email = translate({
      id: 'authgate.changeEmail.same',
      message: 'This is already your email address.',
      description: 'Form error: the new email is the current one',
    });
  }
  if (!password) found.password = currentPasswordRequired();
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
    fallback: translate({
      id: 'authgate.changeEmail.failed',
      message: 'Changing the email failed. Please try again.',
      description: 'Alert when changing the email failed without a message from the API',
    }),
    submit: async ({email, password}) => {
      const target = email.trim();
      await changeEmail(target, password);
      form.reset();
      setSent(
        translate(
          {
            id: 'authgate.changeEmail.sent',
            message:
              'Check your inbox at {target} and open the link there to finish the change. Until then, you keep signing in with {current}.',
            description: 'After asking for an email change; {target} is the new address, {current} the one in use',
          },
          {target, current: user?.email ?? ''},
        ),
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
    <form
      noValidate
      onSubmit={onSubmit}
      aria-label={translate({
        id: 'authgate.changeEmail.formLabel',
        message: 'Change your email',
        description: 'Accessible name of the change-email form',
      })}>
      <FormAlert message={alert} />
      <FormAlert message={sent} variant="success" />
      <Field
        id={IDS.email}
        label={translate({id: 'authgate.changeEmail.newEmail', message: 'New email', description: 'Label of the new email field'})}
        error={errors.email}>
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
      <Field id={IDS.password} label={currentPasswordLabel()} error={errors.password}>
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
        {pending
          ? sendingLabel()
          : translate({id: 'authgate.changeEmail.submit', message: 'Change email', description: 'Button that asks for the email change'})}
      </button>
    </form>
  );
}

export default function ChangeEmailSection(): ReactNode {
  const {user} = useAuth();
  return (
    <Section
      title={translate({id: 'authgate.changeEmail.title', message: 'Email address', description: 'Account section title'})}
      summary={
        <>
          <Translate id="authgate.changeEmail.summary" description="Account section summary, under its title">
            Change the address you sign in with.
          </Translate>{' '}
          {user?.is_verified ? (
            <span className="badge badge--success">
              <Translate id="authgate.changeEmail.verified" description="Badge: the email address is verified">
                Verified
              </Translate>
            </span>
          ) : (
            <span className="badge badge--warning">
              <Translate id="authgate.changeEmail.notVerified" description="Badge: the email address is not verified yet">
                Not verified
              </Translate>
            </span>
          )}
        </>
      }>
      <p className="authgate-section__text">
        <Translate id="authgate.changeEmail.text" description="Explanation in the change-email section">
          {'We send a link to the new address; the change happens when you open it. Your current address is told about the change.'}
        </Translate>
      </p>
      <ChangeEmailForm />
    </Section>
  );
}
