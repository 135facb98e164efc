import {useState} from 'react';
import type {ReactNode} from 'react';
import Layout from '@theme/Layout';
import Link from '@docusaurus/Link';
import Translate, {translate} from '@docusaurus/Translate';
import {emailLabel, sendingLabel, signInLabel} from '@theme/Authgate/labels';
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
    fallback: translate({
      id: 'authgate.forgot.failed',
      message: 'The request failed. Please try again.',
      description: 'Alert when asking for a reset link failed without a message from the API',
    }),
    submit: async ({email}) => {
      await requestPasswordReset(email.trim());
      setSentTo(email.trim());
    },
  });

  if (sentTo) {
    return (
      <Card
        title={translate({
          id: 'authgate.forgot.sent.title',
          message: 'Check your email',
          description: 'Title after asking for a password reset link',
        })}
        lead={
          <Translate
            id="authgate.forgot.sent.lead"
            description="After asking for a reset link; {email} is the address typed (no hint whether an account exists)"
            values={{email: <strong className="authgate-account__email">{sentTo}</strong>}}>
            {'If an account uses {email}, we have sent it a link to choose a new password. The link works for one hour, once.'}
          </Translate>
        }
        footer={
          <Translate
            id="authgate.forgot.sent.noEmail"
            description="Under the reset confirmation; {tryAgain} is a button that shows the form again"
            values={{
              tryAgain: (
                <button type="button" className="authgate-link-button" onClick={() => setSentTo(null)}>
                  <Translate id="authgate.forgot.sent.tryAgain" description="Button that shows the reset form again">
                    try again
                  </Translate>
                </button>
              ),
            }}>
            {'No email after a few minutes? Check your spam folder, or {tryAgain}.'}
          </Translate>
        }>
        <div className="authgate-actions">
          <Link className="button button--primary" to={paths.login}>
            <Translate id="authgate.backToSignIn" description="Button back to the sign-in page">
              Back to sign in
            </Translate>
          </Link>
        </div>
      </Card>
    );
  }

  return (
    <Card
      title={forgotTitle()}
      lead={translate({
        id: 'authgate.forgot.lead',
        message: 'Enter the email you signed up with and we will send you a link to choose a new password.',
        description: 'Under the title of the forgot-password page',
      })}
      footer={
        <Translate
          id="authgate.forgot.remembered"
          description="Under the forgot-password form; {link} is the link 'Sign in'"
          values={{link: <Link to={paths.login}>{signInLabel()}</Link>}}>
          {'Remembered it? {link}'}
        </Translate>
      }>
      <FormAlert message={alert} />
      <form
        noValidate
        onSubmit={onSubmit}
        aria-label={translate({
          id: 'authgate.forgot.formLabel',
          message: 'Reset your password',
          description: 'Accessible name of the forgot-password form',
        })}>
        <Field id={IDS.email} label={emailLabel()} error={errors.email}>
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
          {pending
            ? sendingLabel()
            : translate({
                id: 'authgate.forgot.submit',
                message: 'Send reset link',
                description: 'The button that asks for a password reset link',
              })}
        </button>
      </form>
    </Card>
  );
}

function forgotTitle(): string {
  return translate({
    id: 'authgate.forgot.title',
    message: 'Forgot your password?',
    description: 'Title of the forgot-password page',
  });
}

export default function AuthgateForgotPasswordPage(): ReactNode {
  return (
    <Layout
      title={forgotTitle()}
      description={translate({
        id: 'authgate.forgot.description',
        message: 'Get a link to choose a new password.',
        description: 'The meta description of the forgot-password page',
      })}>
      <ForgotPasswordForm />
    </Layout>
  );
}
