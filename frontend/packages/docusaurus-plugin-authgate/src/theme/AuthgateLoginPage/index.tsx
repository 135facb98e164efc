import {useState} from 'react';
import type {ReactNode} from 'react';
import Layout from '@theme/Layout';
import Link from '@docusaurus/Link';
import Translate, {translate} from '@docusaurus/Translate';
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
import {emailLabel, passwordLabel} from '@theme/Authgate/labels';
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
    fallback: translate({
      id: 'authgate.login.failed',
      message: 'Sign-in failed. Please try again.',
      description: 'Alert when signing in failed without a message from the API',
    }),
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
  const title = translate({id: 'authgate.login.title', message: 'Sign in', description: 'Title of the sign-in page'});
  // "Sign in with a passkey", and the passkeys in the email field's autofill where the browser offers that
  const passkey = usePasskeySignIn({
    autofill: true,
    onSignedIn: () => history.push(next),
    onError: form.setAlert,
  });

  return (
    <Card
      title={title}
      lead={translate({
        id: 'authgate.login.lead',
        message: 'Welcome back. Sign in to read at your level.',
        description: 'Under the title of the sign-in page',
      })}
      footer={
        <Translate
          id="authgate.login.newHere"
          description="Under the sign-in form; {link} is the link 'Create an account'"
          values={{
            link: (
              <Link to={withNext(paths.signup, raw)}>
                <Translate id="authgate.login.createAccountLink" description="Link from the sign-in page to the sign-up page">
                  Create an account
                </Translate>
              </Link>
            ),
          }}>
          {'New here? {link}'}
        </Translate>
      }>
      <FormAlert message={alert ?? providerError}>
        {mustReset && (
          <Link to={paths.forgotPassword}>
            <Translate id="authgate.login.resetLink" description="Link in the alert after too many failed sign-ins">
              Reset your password
            </Translate>
          </Link>
        )}
      </FormAlert>
      <ProviderButtons next={next}>
        {passkey.available && <PasskeyButton pending={passkey.pending} onClick={() => void passkey.start()} />}
      </ProviderButtons>
      <form noValidate onSubmit={onSubmit} aria-label={title}>
        <Field id={IDS.email} label={emailLabel()} error={errors.email}>
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
        <Field id={IDS.password} label={passwordLabel()} error={errors.password}>
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
          {pending
            ? translate({
                id: 'authgate.login.submitPending',
                message: 'Signing in…',
                description: 'The sign-in button while the sign-in is under way',
              })
            : translate({id: 'authgate.login.submit', message: 'Sign In', description: 'The sign-in button'})}
        </button>
      </form>
      <p className="authgate-card__aside">
        <Link to={paths.forgotPassword}>
          <Translate id="authgate.login.forgotLink" description="Link under the sign-in form to the forgot-password page">
            Forgot password?
          </Translate>
        </Link>
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
    <Layout
      title={translate({id: 'authgate.login.title', message: 'Sign in', description: 'Title of the sign-in page'})}
      description={translate({
        id: 'authgate.login.description',
        message: 'Sign in to read this site at your level.',
        description: 'The meta description of the sign-in page',
      })}>
      <LoginContent />
    </Layout>
  );
}
