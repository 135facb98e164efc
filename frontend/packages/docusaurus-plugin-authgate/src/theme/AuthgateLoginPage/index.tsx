import {useState} from 'react';
import type {ReactNode} from 'react';
import Layout from '@theme/Layout';
import Link from '@docusaurus/Link';
import {useHistory, useLocation} from '@docusaurus/router';
import ProviderButtons, {providerErrorMessage} from '@theme/Authgate/ProviderButtons';
import PasskeyButton, {usePasskeySignIn} from '@theme/Authgate/PasskeyButton';
import Card from '@theme/Authgate/Card';
import Field from '@theme/Authgate/Field';
import FormAlert from '@theme/Authgate/FormAlert';
import Placeholder from '@theme/Authgate/Placeholder';
import AlreadySignedIn from '@theme/Authgate/AlreadySignedIn';
import {useNextPath, withNext} from '@theme/Authgate/useNextPath';
import {useForm} from '@theme/Authgate/useForm';
import {AuthError, isMfaChallenge, useAuth, useAuthgateConfig, validateSignIn} from 'docusaurus-plugin-authgate/client';

const IDS = {email: 'authgate-login-email', password: 'authgate-login-password'};

export function LoginForm(): ReactNode {
  const {signIn} = useAuth();
  const {paths} = useAuthgateConfig();
  const history = useHistory();
  const {next, raw} = useNextPath();
  // back from a provider that did not sign the reader in: /auth/login?error=CODE
  const providerError = providerErrorMessage(new URLSearchParams(useLocation().search).get('error'));
  const [mustReset, setMustReset] = useState(false);
  const form = useForm({
    initial: {email: '', password: ''},
    validate: validateSignIn,
    ids: IDS,
    fallback: 'Sign-in failed. Please try again.',
    submit: async ({email, password}) => {
      setMustReset(false);
      // one WebAuthn request at a time: the passkeys offered in the autofill step aside for the password
      await passkey.stopAutofill();
      const answer = await signIn(email.trim(), password);
      // a reader with a second factor is not signed in yet: the code (or a passkey) comes next, then `next`
      history.push(isMfaChallenge(answer) ? withNext(paths.twoFactor, raw) : next);
    },
    // too many failed sign-ins: the account now needs a reset (the API's PASSWORD_RESET_REQUIRED)
    onError: (err) => {
      setMustReset(err instanceof AuthError && err.code === 'PASSWORD_RESET_REQUIRED');
      passkey.resumeAutofill();
    },
  });
  const {values, errors, alert, pending, set, onSubmit} = form;
  // "Sign in with a passkey", and the passkeys in the email field's autofill where the browser offers that
  const passkey = usePasskeySignIn({
    autofill: true,
    onSignedIn: () => history.push(next),
    onError: form.setAlert,
  });

  return (
    <Card
      title="Sign in"
      lead="Welcome back. Sign in to read at your level."
      footer={
        <>
          New here? <Link to={withNext(paths.signup, raw)}>Create an account</Link>
        </>
      }>
      <FormAlert message={alert ?? providerError}>
        {mustReset && <Link to={paths.forgotPassword}>Reset your password</Link>}
      </FormAlert>
      <ProviderButtons next={next}>
        {passkey.available && <PasskeyButton pending={passkey.pending} onClick={() => void passkey.start()} />}
      </ProviderButtons>
      <form noValidate onSubmit={onSubmit} aria-label="Sign in">
        <Field id={IDS.email} label="Email" error={errors.email}>
          {(control) => (
            <input
              {...control}
              type="email"
              name="email"
              autoComplete="username webauthn"
              inputMode="email"
              autoCapitalize="none"
              spellCheck={false}
              required
              value={values.email}
              onChange={(e) => set('email', e.target.value)}
            />
          )}
        </Field>
        <Field id={IDS.password} label="Password" error={errors.password}>
          {(control) => (
            <input
              {...control}
              type="password"
              name="password"
              autoComplete="current-password"
              required
              value={values.password}
              onChange={(e) => set('password', e.target.value)}
            />
          )}
        </Field>
        <button
          type="submit"
          className="button button--primary button--block authgate-form__submit"
          disabled={pending}
          aria-disabled={pending}>
          {pending ? 'Signing in…' : 'Sign In'}
        </button>
      </form>
      <p className="authgate-card__aside">
        <Link to={paths.forgotPassword}>Forgot password?</Link>
      </p>
    </Card>
  );
}

function LoginContent(): ReactNode {
  const {status} = useAuth();
  const {next} = useNextPath();
  // Only a reader who arrived signed in sees the notice; one who just signed in here is on their way out.
  const [sawSignedOut, setSawSignedOut] = useState(false);
  if (status === 'signed-out' && !sawSignedOut) setSawSignedOut(true);
  if (status === 'loading') return <Placeholder />;
  if (status === 'signed-in' && !sawSignedOut) return <AlreadySignedIn next={next} />;
  return <LoginForm />;
}

export default function AuthgateLoginPage(): ReactNode {
  return (
    <Layout title="Sign in" description="Sign in to read this site at your level.">
      <LoginContent />
    </Layout>
  );
}
