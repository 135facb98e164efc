import {useState} from 'react';
import type {ReactNode} from 'react';
import Layout from '@theme/Layout';
import Link from '@docusaurus/Link';
import {translate} from '@docusaurus/Translate';
import {
  confirmNewPasswordLabel,
  confirmRequired,
  newPasswordLabel,
  newPasswordRequired,
  passwordHint,
  passwordsDiffer,
  savingLabel,
  signInLabel,
} from '@theme/Authgate/labels';
import {useLocale} from '@theme/Authgate/format';
import Card from '@theme/Authgate/Card';
import Field from '@theme/Authgate/Field';
import FormAlert from '@theme/Authgate/FormAlert';
import TokenPageHead from '@theme/Authgate/TokenPageHead';
import CheckingLink from '@theme/Authgate/CheckingLink';
import {useMailedToken} from '@theme/Authgate/useMailedToken';
import {useForm} from '@theme/Authgate/useForm';
import {
  AuthError,
  PASSWORD_MAX,
  PASSWORD_MIN,
  useAuth,
  useAuthgateConfig,
  validatePassword,
} from 'docusaurus-plugin-authgate/client';

const IDS = {password: 'authgate-reset-password', confirm: 'authgate-reset-confirm'};

type Values = {password: string; confirm: string};
type Errors = {password?: string; confirm?: string};

function validate({password, confirm}: Values): Errors {
  const errors: Errors = {};
  const p = password ? validatePassword(password) : newPasswordRequired();
  if (p) errors.password = p;
  if (!confirm) errors.confirm = confirmRequired();
  else if (!p && confirm !== password) errors.confirm = passwordsDiffer();
  return errors;
}

function resetTitle(): string {
  return translate({
    id: 'authgate.reset.title',
    message: 'Choose a new password',
    description: 'Title of the reset-password page (opened from the mailed link)',
  });
}

function NoToken(): ReactNode {
  const {paths} = useAuthgateConfig();
  return (
    <Card
      title={resetTitle()}
      lead={translate({
        id: 'authgate.reset.noToken',
        message:
          'This page needs the link from your password-reset email. Open the link from the email, or ask for a new one.',
        description: 'The reset-password page opened without the link from the email',
      })}>
      <div className="authgate-actions">
        <Link className="button button--primary" to={paths.forgotPassword}>
          {translate({
            id: 'authgate.reset.sendLink',
            message: 'Send me a link',
            description: 'Button to the forgot-password page from the reset page without a link',
          })}
        </Link>
      </div>
    </Card>
  );
}

export function ResetPasswordForm({token}: {token: string}): ReactNode {
  const {resetPassword} = useAuth();
  const {paths} = useAuthgateConfig();
  const [expired, setExpired] = useState(false);
  const [done, setDone] = useState(false);
  const locale = useLocale();
  // Errors stay until the next submit, and a refused link offers a new one.
  const {values, errors, alert, pending, set, onSubmit} = useForm<Values>({
    initial: {password: '', confirm: ''},
    validate,
    ids: IDS,
    recheck: [],
    fallback: translate({
      id: 'authgate.reset.failed',
      message: 'The reset failed. Please try again.',
      description: 'Alert when the password reset failed without a message from the API',
    }),
    submit: async ({password}) => {
      await resetPassword(token, password);
      setDone(true);
    },
    onError: (err) => setExpired(err instanceof AuthError && err.code === 'TOKEN_INVALID'),
  });

  if (done) {
    return (
      <Card
        title={translate({
          id: 'authgate.reset.done.title',
          message: 'Your password is changed',
          description: 'Title after the password was reset',
        })}
        lead={translate({
          id: 'authgate.reset.done.lead',
          message:
            'For your safety, every device that was signed in to this account has been signed out. Sign in with your new password.',
          description: 'Text after the password was reset',
        })}>
        <div className="authgate-actions">
          <Link className="button button--primary" to={paths.login}>
            {signInLabel()}
          </Link>
        </div>
      </Card>
    );
  }

  return (
    <Card
      title={resetTitle()}
      lead={translate({
        id: 'authgate.reset.lead',
        message: 'Pick a password you do not use on any other site.',
        description: 'Under the title of the reset-password form',
      })}>
      <FormAlert message={alert}>
        {expired && (
          <Link to={paths.forgotPassword}>
            {translate({
              id: 'authgate.reset.newLink',
              message: 'Send me a new link',
              description: 'Link in the alert when the reset link is used or expired',
            })}
          </Link>
        )}
      </FormAlert>
      <form noValidate onSubmit={onSubmit} aria-label={resetTitle()}>
        <Field
          id={IDS.password}
          label={newPasswordLabel()}
          error={errors.password}
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
              value={values.password}
              onChange={(e) => set('password', e.target.value)}
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
        <button
          type="submit"
          className="button button--primary button--block authgate-form__submit"
          disabled={pending}
          aria-disabled={pending}>
          {pending
            ? savingLabel()
            : translate({
                id: 'authgate.reset.submit',
                message: 'Set new password',
                description: 'The button that sets the new password',
              })}
        </button>
      </form>
    </Card>
  );
}

function ResetPasswordContent(): ReactNode {
  const token = useMailedToken();
  if (token === undefined) return <CheckingLink title={resetTitle()} />;
  return token ? <ResetPasswordForm token={token} /> : <NoToken />;
}

export default function AuthgateResetPasswordPage(): ReactNode {
  return (
    <Layout
      title={resetTitle()}
      description={translate({
        id: 'authgate.reset.description',
        message: 'Set a new password for your account.',
        description: 'The meta description of the reset-password page',
      })}>
      <TokenPageHead />
      <ResetPasswordContent />
    </Layout>
  );
}
