import {useRef, useState} from 'react';
import type {FormEvent, ReactNode} from 'react';
import Field from '@theme/Authgate/Field';
import FormAlert from '@theme/Authgate/FormAlert';
import Section from '@theme/Authgate/Section';
import {focusFirstError} from '@theme/Authgate/focusFirstError';
import {AuthError, useAuth, validateEmail} from 'docusaurus-plugin-authgate/client';

const IDS = {email: 'authgate-change-email-new', password: 'authgate-change-email-password'};

type Errors = {email?: string; password?: string};

export function ChangeEmailForm(): ReactNode {
  const {user, changeEmail} = useAuth();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [alert, setAlert] = useState<string | null>(null);
  const [sent, setSent] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const inFlight = useRef(false);

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (inFlight.current) return;
    const found: Errors = {};
    const bad = validateEmail(email);
    if (bad) found.email = bad === 'Enter your email address.' ? 'Enter the new email address.' : bad;
    else if (user && email.trim().toLowerCase() === user.email.toLowerCase()) {
      found.email = 'This is already your email address.';
    }
    if (!password) found.password = 'Enter your current password.';
    setErrors(found);
    setAlert(null);
    setSent(null);
    if (Object.keys(found).length > 0) {
      focusFirstError(IDS, found);
      return;
    }
    inFlight.current = true;
    setPending(true);
    const target = email.trim();
    try {
      await changeEmail(target, password);
      setPassword('');
      setEmail('');
      setSent(
        `Check your inbox at ${target} and open the link there to finish the change. ` +
          `Until then, you keep signing in with ${user?.email ?? 'your current address'}.`,
      );
    } catch (err) {
      if (err instanceof AuthError && err.code === 'INVALID_PASSWORD') {
        setErrors({password: err.message});
        focusFirstError(IDS, {password: err.message});
      } else {
        setAlert(err instanceof Error ? err.message : 'Changing the email failed. Please try again.');
      }
    } finally {
      setPending(false);
      inFlight.current = false;
    }
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
            value={email}
            onChange={(e) => setEmail(e.target.value)}
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
            value={password}
            onChange={(e) => setPassword(e.target.value)}
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
