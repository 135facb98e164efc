import {useState} from 'react';
import type {ReactNode} from 'react';
import Layout from '@theme/Layout';
import Link from '@docusaurus/Link';
import {useHistory} from '@docusaurus/router';
import Card from '@theme/Authgate/Card';
import Field from '@theme/Authgate/Field';
import FormAlert from '@theme/Authgate/FormAlert';
import Placeholder from '@theme/Authgate/Placeholder';
import AlreadySignedIn from '@theme/Authgate/AlreadySignedIn';
import PasskeyButton, {usePasskeySignIn} from '@theme/Authgate/PasskeyButton';
import {useNextPath, withNext} from '@theme/Authgate/useNextPath';
import {useForm} from '@theme/Authgate/useForm';
import {AuthError, useAuth, useAuthgateConfig} from 'docusaurus-plugin-authgate/client';

const IDS = {code: 'authgate-two-factor-code'};

/** 'app': a 6-digit code of the authenticator app; 'backup': one of the saved backup codes (xxxxx-xxxxx). */
export type CodeKind = 'app' | 'backup';

export function validateCode(code: string, kind: CodeKind): {code?: string} {
  const value = code.trim();
  if (kind === 'app') {
    if (!value) return {code: 'Enter the 6-digit code from your authenticator app.'};
    if (!/^\d{6}$/.test(value.replace(/\s+/g, ''))) return {code: 'The code has 6 digits.'};
    return {};
  }
  if (!value) return {code: 'Enter one of your backup codes.'};
  // the API ignores case, spaces and dashes
  if (value.replace(/[^a-z0-9]/gi, '').length !== 10) return {code: 'A backup code has 10 letters and digits, like abcde-23456.'};
  return {};
}

/**
 * The second step of signing in: the password was right (or a provider said yes) and the account has a second
 * factor. The challenge is the token kept in memory since the password step, or the API's HttpOnly cookie.
 */
export function TwoFactorForm(): ReactNode {
  const {verifySecondFactor, pendingChallenge} = useAuth();
  const {paths} = useAuthgateConfig();
  const history = useHistory();
  const {next, raw} = useNextPath();
  // the methods the challenge named; unknown (null) when the reader came back from a provider
  const [methods] = useState(() => pendingChallenge()?.methods ?? null);
  const [kind, setKind] = useState<CodeKind>('app');
  const [expired, setExpired] = useState(false);
  const form = useForm({
    initial: {code: ''},
    validate: ({code}) => validateCode(code, kind),
    ids: IDS,
    recheck: [],
    fallback: 'The code could not be checked. Please try again.',
    submit: async ({code}) => {
      setExpired(false);
      await verifySecondFactor(code);
      history.push(next);
    },
    onError: (err) => setExpired(err instanceof AuthError && err.code === 'CHALLENGE_INVALID'),
    // a wrong code is the field's error, and the field gets the focus for another try
    fieldErrors: (err) =>
      err instanceof AuthError && err.code === 'INVALID_CODE'
        ? {code: kind === 'app' ? 'That code is not right. Check the app and enter the current code.' : err.message}
        : undefined,
  });
  const {values, errors, alert, pending, set, onSubmit, setAlert} = form;
  const passkey = usePasskeySignIn({onSignedIn: () => history.push(next), onError: setAlert});
  const offerPasskey = passkey.available && (methods === null || methods.includes('passkey'));
  const offerBackup = methods === null || methods.includes('backup_code');

  const switchTo = (to: CodeKind) => {
    setKind(to);
    form.reset();
    setAlert(null);
    // the field is a new input (its `key`), which takes the focus as it mounts
  };

  return (
    <Card
      title="Two-step sign-in"
      lead={
        kind === 'app'
          ? 'Open your authenticator app and enter the 6-digit code it shows for this site.'
          : 'Enter one of the backup codes you saved when you turned on two-step sign-in. Each one works once.'
      }
      footer={
        <>
          Not you, or stuck? <Link to={withNext(paths.login, raw)}>Back to sign in</Link>
        </>
      }>
      <FormAlert message={alert}>
        {expired && <Link to={withNext(paths.login, raw)}>Sign in again</Link>}
      </FormAlert>
      <form noValidate onSubmit={onSubmit} aria-label="Two-step sign-in">
        <Field
          id={IDS.code}
          label={kind === 'app' ? 'Authentication code' : 'Backup code'}
          error={errors.code}
          hint={kind === 'app' ? '6 digits, e.g. 123456.' : 'Like abcde-23456.'}>
          {(control) =>
            kind === 'app' ? (
              <input
                {...control}
                key="app"
                type="text"
                name="code"
                inputMode="numeric"
                autoComplete="one-time-code"
                pattern="[0-9 ]*"
                maxLength={7}
                spellCheck={false}
                autoFocus
                required
                value={values.code}
                onChange={(e) => set('code', e.target.value)}
              />
            ) : (
              <input
                {...control}
                key="backup"
                type="text"
                name="backup-code"
                autoComplete="off"
                autoCapitalize="none"
                spellCheck={false}
                maxLength={20}
                autoFocus
                required
                value={values.code}
                onChange={(e) => set('code', e.target.value)}
              />
            )
          }
        </Field>
        <button
          type="submit"
          className="button button--primary button--block authgate-form__submit"
          disabled={pending}
          aria-disabled={pending}>
          {pending ? 'Checking…' : 'Verify'}
        </button>
      </form>
      <div className="authgate-card__aside authgate-two-factor__other">
        {kind === 'app' && offerBackup && (
          <button type="button" className="authgate-link-button" onClick={() => switchTo('backup')}>
            Use a backup code instead
          </button>
        )}
        {kind === 'backup' && (
          <button type="button" className="authgate-link-button" onClick={() => switchTo('app')}>
            Use your authenticator app instead
          </button>
        )}
        {offerPasskey && (
          <PasskeyButton
            look="link"
            label="Use a passkey instead"
            pending={passkey.pending}
            onClick={() => void passkey.start()}
          />
        )}
      </div>
    </Card>
  );
}

function TwoFactorContent(): ReactNode {
  const {status} = useAuth();
  const {next} = useNextPath();
  // Only a reader who arrived signed in sees the notice; one who just finished here is on their way out.
  const [sawSignedOut, setSawSignedOut] = useState(false);
  if (status === 'signed-out' && !sawSignedOut) setSawSignedOut(true);
  if (status === 'loading') return <Placeholder />;
  if (status === 'signed-in' && !sawSignedOut) return <AlreadySignedIn next={next} />;
  return <TwoFactorForm />;
}

export default function AuthgateTwoFactorPage(): ReactNode {
  return (
    <Layout title="Two-step sign-in" description="Enter the code from your authenticator app.">
      <TwoFactorContent />
    </Layout>
  );
}
