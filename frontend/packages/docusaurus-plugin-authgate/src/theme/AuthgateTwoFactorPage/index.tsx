import {useState} from 'react';
import type {ReactNode} from 'react';
import Layout from '@theme/Layout';
import Link from '@docusaurus/Link';
import Translate, {translate} from '@docusaurus/Translate';
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
    if (!value) {
      return {
        code: translate({
          id: 'authgate.twoFactor.appRequired',
          message: 'Enter the 6-digit code from your authenticator app.',
          description: 'Form error: the authenticator code is empty',
        }),
      };
    }
    if (!/^\d{6}$/.test(value.replace(/\s+/g, ''))) {
      return {
        code: translate({
          id: 'authgate.twoFactor.appInvalid',
          message: 'The code has 6 digits.',
          description: 'Form error: the authenticator code is not 6 digits',
        }),
      };
    }
    return {};
  }
  if (!value) {
    return {
      code: translate({
        id: 'authgate.twoFactor.backupRequired',
        message: 'Enter one of your backup codes.',
        description: 'Form error: the backup code is empty',
      }),
    };
  }
  // the API ignores case, spaces and dashes
  if (value.replace(/[^a-z0-9]/gi, '').length !== 10) {
    return {
      code: translate({
        id: 'authgate.twoFactor.backupInvalid',
        message: 'A backup code has 10 letters and digits, like abcde-23456.',
        description: 'Form error: the backup code does not have the right form',
      }),
    };
  }
  return {};
}

function twoFactorTitle(): string {
  return translate({
    id: 'authgate.twoFactor.title',
    message: 'Two-step sign-in',
    description: 'Title of the second step of signing in (a code or a passkey)',
  });
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
    fallback: translate({
      id: 'authgate.twoFactor.failed',
      message: 'The code could not be checked. Please try again.',
      description: 'Alert when checking the code failed without a message from the API',
    }),
    submit: async ({code}) => {
      setExpired(false);
      await verifySecondFactor(code);
      history.push(next);
    },
    onError: (err) => setExpired(err instanceof AuthError && err.code === 'CHALLENGE_INVALID'),
    // a wrong code is the field's error, and the field gets the focus for another try
    fieldErrors: (err) =>
      err instanceof AuthError && err.code === 'INVALID_CODE'
        ? {
            code:
              kind === 'app'
                ? translate({
                    id: 'authgate.twoFactor.appWrong',
                    message: 'That code is not right. Check the app and enter the current code.',
                    description: 'Form error: the authenticator code is wrong',
                  })
                : err.message,
          }
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
      title={twoFactorTitle()}
      lead={
        kind === 'app'
          ? translate({
              id: 'authgate.twoFactor.appLead',
              message: 'Open your authenticator app and enter the 6-digit code it shows for this site.',
              description: 'Under the title of the second step, asking for the app code',
            })
          : translate({
              id: 'authgate.twoFactor.backupLead',
              message: 'Enter one of the backup codes you saved when you turned on two-step sign-in. Each one works once.',
              description: 'Under the title of the second step, asking for a backup code',
            })
      }
      footer={
        <Translate
          id="authgate.twoFactor.stuck"
          description="Under the second step; {link} is the link 'Back to sign in'"
          values={{
            link: (
              <Link to={withNext(paths.login, raw)}>
                <Translate id="authgate.backToSignIn" description="Button back to the sign-in page">
                  Back to sign in
                </Translate>
              </Link>
            ),
          }}>
          {'Not you, or stuck? {link}'}
        </Translate>
      }>
      <FormAlert message={alert}>
        {expired && (
          <Link to={withNext(paths.login, raw)}>
            <Translate id="authgate.twoFactor.signInAgain" description="Link in the alert when the sign-in expired">
              Sign in again
            </Translate>
          </Link>
        )}
      </FormAlert>
      <form noValidate onSubmit={onSubmit} aria-label={twoFactorTitle()}>
        <Field
          id={IDS.code}
          label={
            kind === 'app'
              ? translate({id: 'authgate.twoFactor.appLabel', message: 'Authentication code', description: 'Label of the app code field'})
              : translate({id: 'authgate.twoFactor.backupLabel', message: 'Backup code', description: 'Label of the backup code field'})
          }
          error={errors.code}
          hint={
            kind === 'app'
              ? translate({id: 'authgate.twoFactor.appHint', message: '6 digits, e.g. 123456.', description: 'Hint under the app code field'})
              : translate({id: 'authgate.twoFactor.backupHint', message: 'Like abcde-23456.', description: 'Hint under the backup code field'})
          }>
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
          {pending
            ? translate({id: 'authgate.reauth.pending', message: 'Checking…', description: 'The confirm button while checking'})
            : translate({id: 'authgate.twoFactor.submit', message: 'Verify', description: 'The button of the second step'})}
        </button>
      </form>
      <div className="authgate-card__aside authgate-two-factor__other">
        {kind === 'app' && offerBackup && (
          <button type="button" className="authgate-link-button" onClick={() => switchTo('backup')}>
            {translate({
              id: 'authgate.twoFactor.useBackup',
              message: 'Use a backup code instead',
              description: 'Switches the second step to a backup code',
            })}
          </button>
        )}
        {kind === 'backup' && (
          <button type="button" className="authgate-link-button" onClick={() => switchTo('app')}>
            {translate({
              id: 'authgate.twoFactor.useApp',
              message: 'Use your authenticator app instead',
              description: 'Switches the second step to the app code',
            })}
          </button>
        )}
        {offerPasskey && (
          <PasskeyButton
            look="link"
            label={translate({
              id: 'authgate.reauth.usePasskey',
              message: 'Use a passkey instead',
              description: 'Confirms the identity with a passkey instead',
            })}
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
    <Layout
      title={twoFactorTitle()}
      description={translate({
        id: 'authgate.twoFactor.description',
        message: 'Enter the code from your authenticator app.',
        description: 'The meta description of the two-factor page',
      })}>
      <TwoFactorContent />
    </Layout>
  );
}
