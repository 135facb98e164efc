import {useState} from 'react';
import type {ReactNode} from 'react';
import Layout from '@theme/Layout';
import Link from '@docusaurus/Link';
import Card from '@theme/Authgate/Card';
import Field from '@theme/Authgate/Field';
import FormAlert from '@theme/Authgate/FormAlert';
import {useForm} from '@theme/Authgate/useForm';
import {useAuth, useAuthgateConfig, validateEmail} from 'docusaurus-plugin-authgate/client';

const IDS = {email: 'authgate-forgot-email'};

function validate({email}: {email: string}): {email?: string} {
  const error = validateEmail(email);
  return error ? {email: error} : {};
}

/**
 * The API answers every address the same way (so this page cannot tell anyone whether an account
 * exists, OWASP ASVS 5.0 V6.3, "account enumeration"), and so does this page: one confirmation.
 */
export function ForgotPasswordForm(): ReactNode {
  const {requestPasswordReset} = useAuth();
  const {paths} = useAuthgateConfig();
  const [sentTo, setSentTo] = useState<string | null>(null);
  const {values, errors, alert, pending, set, onSubmit} = useForm({
    initial: {email: ''},
    validate,
    ids: IDS,
    fallback: 'The request failed. Please try again.',
    submit: async ({email}) => {
      await requestPasswordReset(email.trim());
      setSentTo(email.trim());
    },
  });

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
        <Field id={IDS.email} label="Email" error={errors.email}>
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
              value={values.email}
              onChange={(e) => set('email', e.target.value)}
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
