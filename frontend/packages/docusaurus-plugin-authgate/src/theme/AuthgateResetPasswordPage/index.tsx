import {useState} from 'react';
import type {ReactNode} from 'react';
import Layout from '@theme/Layout';
import Link from '@docusaurus/Link';
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
  const p = validatePassword(password);
  if (p) errors.password = p === 'Enter a password.' ? 'Enter a new password.' : p;
  if (!confirm) errors.confirm = 'Enter the new password again.';
  else if (!p && confirm !== password) errors.confirm = 'The two passwords do not match.';
  return errors;
}

function NoToken(): ReactNode {
  const {paths} = useAuthgateConfig();
  return (
    <Card
      title="Choose a new password"
      lead="This page needs the link from your password-reset email. Open the link from the email, or ask for a new one.">
      <div className="authgate-actions">
        <Link className="button button--primary" to={paths.forgotPassword}>
          Send me a link
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
  // Errors stay until the next submit, and a refused link offers a new one.
  const {values, errors, alert, pending, set, onSubmit} = useForm<Values>({
    initial: {password: '', confirm: ''},
    validate,
    ids: IDS,
    recheck: [],
    fallback: 'The reset failed. Please try again.',
    submit: async ({password}) => {
      await resetPassword(token, password);
      setDone(true);
    },
    onError: (err) => setExpired(err instanceof AuthError && err.code === 'TOKEN_INVALID'),
  });

  if (done) {
    return (
      <Card
        title="Your password is changed"
        lead="For your safety, every device that was signed in to this account has been signed out. Sign in with your new password.">
        <div className="authgate-actions">
          <Link className="button button--primary" to={paths.login}>
            Sign in
          </Link>
        </div>
      </Card>
    );
  }

  return (
    <Card title="Choose a new password" lead="Pick a password you do not use on any other site.">
      <FormAlert message={alert}>
        {expired && <Link to={paths.forgotPassword}>Send me a new link</Link>}
      </FormAlert>
      <form noValidate onSubmit={onSubmit} aria-label="Choose a new password">
        <Field
          id={IDS.password}
          label="New password"
          error={errors.password}
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
              value={values.password}
              onChange={(e) => set('password', e.target.value)}
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
        <button
          type="submit"
          className="button button--primary button--block authgate-form__submit"
          disabled={pending}
          aria-disabled={pending}>
          {pending ? 'Saving…' : 'Set new password'}
        </button>
      </form>
    </Card>
  );
}

function ResetPasswordContent(): ReactNode {
  const token = useMailedToken();
  if (token === undefined) return <CheckingLink title="Choose a new password" />;
  return token ? <ResetPasswordForm token={token} /> : <NoToken />;
}

export default function AuthgateResetPasswordPage(): ReactNode {
  return (
    <Layout title="Choose a new password" description="Set a new password for your account.">
      <TokenPageHead />
      <ResetPasswordContent />
    </Layout>
  );
}
