import {useRef, useState} from 'react';
import type {FormEvent, ReactNode} from 'react';
import Layout from '@theme/Layout';
import Link from '@docusaurus/Link';
import Card from '@theme/Authgate/Card';
import Field from '@theme/Authgate/Field';
import FormAlert from '@theme/Authgate/FormAlert';
import TokenPageHead from '@theme/Authgate/TokenPageHead';
import {useMailedToken} from '@theme/Authgate/useMailedToken';
import {focusFirstError} from '@theme/Authgate/focusFirstError';
import {
  AuthError,
  PASSWORD_MAX,
  PASSWORD_MIN,
  useAuth,
  useAuthgateConfig,
  validatePassword,
} from 'docusaurus-plugin-authgate/client';

const IDS = {password: 'authgate-reset-password', confirm: 'authgate-reset-confirm'};

type Errors = {password?: string; confirm?: string};

function validate(password: string, confirm: string): Errors {
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
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [alert, setAlert] = useState<{message: string; expired: boolean} | null>(null);
  const [done, setDone] = useState(false);
  const [pending, setPending] = useState(false);
  const inFlight = useRef(false);

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (inFlight.current) return;
    const found = validate(password, confirm);
    setErrors(found);
    setAlert(null);
    if (Object.keys(found).length > 0) {
      focusFirstError(IDS, found);
      return;
    }
    inFlight.current = true;
    setPending(true);
    try {
      await resetPassword(token, password);
      setDone(true);
    } catch (err) {
      const expired = err instanceof AuthError && err.code === 'TOKEN_INVALID';
      setAlert({message: err instanceof Error ? err.message : 'The reset failed. Please try again.', expired});
      setPending(false);
      inFlight.current = false;
    }
  };

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
      <FormAlert message={alert?.message}>
        {alert?.expired && <Link to={paths.forgotPassword}>Send me a new link</Link>}
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
              value={password}
              onChange={(e) => setPassword(e.target.value)}
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
              value={confirm}
              onChange={(e) => setConfirm(e.target.value)}
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
