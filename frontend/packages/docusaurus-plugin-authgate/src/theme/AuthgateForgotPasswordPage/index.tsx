import {useRef, useState} from 'react';
import type {FormEvent, ReactNode} from 'react';
import Layout from '@theme/Layout';
import Link from '@docusaurus/Link';
import Card from '@theme/Authgate/Card';
import Field from '@theme/Authgate/Field';
import FormAlert from '@theme/Authgate/FormAlert';
import {focusFirstError} from '@theme/Authgate/focusFirstError';
import {useAuth, useAuthgateConfig, validateEmail} from 'docusaurus-plugin-authgate/client';

const IDS = {email: 'authgate-forgot-email'};

/**
 * The API answers every address the same way (so this page cannot tell anyone whether an account
 * exists, OWASP ASVS 5.0 V6.3, "account enumeration"), and so does this page: one confirmation.
 */
export function ForgotPasswordForm(): ReactNode {
  const {requestPasswordReset} = useAuth();
  const {paths} = useAuthgateConfig();
  const [email, setEmail] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [alert, setAlert] = useState<string | null>(null);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const inFlight = useRef(false);

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (inFlight.current) return;
    const found = validateEmail(email);
    setError(found);
    setAlert(null);
    if (found) {
      focusFirstError(IDS, {email: found});
      return;
    }
    inFlight.current = true;
    setPending(true);
    try {
      await requestPasswordReset(email.trim());
      setSentTo(email.trim());
    } catch (err) {
      setAlert(err instanceof Error ? err.message : 'The request failed. Please try again.');
    } finally {
      setPending(false);
      inFlight.current = false;
    }
  };

  if (sentTo) {
    return (
      <Card
        title="Check your email"
        lead={
          <>
            If an account uses <strong className="authgate-account__email">{sentTo}</strong>, we have sent it a
            link to choose a new password. The link works for one hour, once.
          </>
        }
        footer={
          <>
            No email after a few minutes? Check your spam folder, or{' '}
            <button type="button" className="authgate-link-button" onClick={() => setSentTo(null)}>
              try again
            </button>
            .
          </>
        }>
        <div className="authgate-actions">
          <Link className="button button--primary" to={paths.login}>
            Back to sign in
          </Link>
        </div>
      </Card>
    );
  }

  return (
    <Card
      title="Forgot your password?"
      lead="Enter the email you signed up with and we will send you a link to choose a new password."
      footer={
        <>
          Remembered it? <Link to={paths.login}>Sign in</Link>
        </>
      }>
      <FormAlert message={alert} />
      <form noValidate onSubmit={onSubmit} aria-label="Reset your password">
        <Field id={IDS.email} label="Email" error={error}>
          {(control) => (
            <input
              {...control}
              type="email"
              name="email"
              autoComplete="username"
              inputMode="email"
              autoCapitalize="none"
              spellCheck={false}
              required
              value={email}
              onChange={(e) => {
                setEmail(e.target.value);
                if (error) setError(validateEmail(e.target.value));
              }}
            />
          )}
        </Field>
        <button
          type="submit"
          className="button button--primary button--block authgate-form__submit"
          disabled={pending}
          aria-disabled={pending}>
          {pending ? 'Sending…' : 'Send reset link'}
        </button>
      </form>
    </Card>
  );
}

export default function AuthgateForgotPasswordPage(): ReactNode {
  return (
    <Layout title="Forgot your password?" description="Get a link to choose a new password.">
      <ForgotPasswordForm />
    </Layout>
  );
}
