import {useEffect, useRef, useState} from 'react';
import type {ReactNode} from 'react';
import {translate} from '@docusaurus/Translate';
import Field from '@theme/Authgate/Field';
import {cancelLabel} from '@theme/Authgate/labels';
import FormAlert from '@theme/Authgate/FormAlert';
import {passkeyErrorMessage} from '@theme/Authgate/PasskeyButton';
import {tryAgain, useForm} from '@theme/Authgate/useForm';
import {AuthError, useAuth, webauthnAvailable} from 'docusaurus-plugin-authgate/client';
import type {ErrorCode, Proof} from 'docusaurus-plugin-authgate/client';

/** The API's answers that mean "prove it is you first" (or "that proof was wrong"). */
const PROOF_CODES = new Set<string>(['RECENT_SIGN_IN_REQUIRED', 'INVALID_PASSWORD', 'INVALID_CODE'] satisfies ErrorCode[]);

export function needsProof(err: unknown): boolean {
  return err instanceof AuthError && typeof err.code === 'string' && PROOF_CODES.has(err.code);
}

interface ReauthRequest {
  /** What the reader is about to do, e.g. "turn off two-step sign-in". */
  action: string;
  /** Where the prompt shows (a section may have several places, one prompt at a time). */
  at: string;
  /** Runs the sensitive action again with the proof (none after a passkey: the sign-in is fresh then). */
  retry: (proof?: Proof) => Promise<void>;
  cancel: () => void;
  /** Only a typed proof (password or code) will do: adding or taking away a factor is not allowed on a passkey's word alone. */
  typedProof: boolean;
}

export type Reauth = ReturnType<typeof useReauth>;

/**
 * Sensitive changes with a proof of identity asked only when the API wants one: `guard` runs the action without
 * a proof (a recent sign-in is enough); on RECENT_SIGN_IN_REQUIRED (or a rejected proof) it opens the prompt and
 * resolves once the action succeeded with the proof typed there, or to null when the reader cancels; it rejects
 * with the action's own error when the proof was accepted but the action failed.
 */
export function useReauth() {
  const [request, setRequest] = useState<ReauthRequest | null>(null);

  const guard = async <T,>(
    action: string,
    run: (proof?: Proof) => Promise<T>,
    at = 'default',
    {typedProof = false}: {typedProof?: boolean} = {},
  ): Promise<{value: T} | null> => {
    try {
      return {value: await run()};
    } catch (err) {
      if (!needsProof(err)) throw err;
    }
    return new Promise<{value: T} | null>((resolve, reject) => {
      setRequest({
        action,
        at,
        typedProof,
        retry: async (proof) => {
          let value: T;
          try {
            value = await run(proof);
          } catch (err) {
            // a wrong or missing proof stays in the prompt; any other failure is the action's, told where it was asked
            if (needsProof(err)) throw err;
            setRequest(null);
            reject(err);
            return;
          }
          setRequest(null);
          resolve({value});
        },
        cancel: () => {
          setRequest(null);
          resolve(null);
        },
      });
    });
  };

  return {request, guard};
}

export interface ReauthPromptProps {
  reauth: Reauth;
  /** Shows only the requests made for this place. */
  at?: string;
  /** Offer "use a code from your app" (the reader has an authenticator app on). Unknown: asked when it opens. */
  canUseCode?: boolean;
  /** Offer "use a passkey" (the reader has one and this browser has WebAuthn). Unknown: asked when it opens. */
  canUsePasskey?: boolean;
}

type Way = 'password' | 'code';

const IDS = {secret: 'authgate-reauth-secret'};

/**
 * The one prompt for a proof of identity before a sensitive change: the password, a code of the authenticator
 * app (or a backup code), or a passkey. The action is then sent again with `{password}` or `{code}`; a passkey
 * renews the sign-in (POST /auth/reauthenticate) and the action goes again without a proof.
 */
export default function ReauthPrompt({reauth, at = 'default', canUseCode, canUsePasskey}: ReauthPromptProps): ReactNode {
  const {request} = reauth;
  if (!request || request.at !== at) return null;
  // a new request starts with an empty form
  return <ReauthForm key={request.action} request={request} canUseCode={canUseCode} canUsePasskey={canUsePasskey} />;
}

function ReauthForm({
  request,
  canUseCode,
  canUsePasskey,
}: {
  request: ReauthRequest;
  canUseCode?: boolean;
  canUsePasskey?: boolean;
}): ReactNode {
  const {user, reauthenticateWithPasskey, getMfaStatus} = useAuth();
  // the other ways in, when the caller does not know them: GET /auth/mfa once the prompt opens
  const [known, setKnown] = useState({code: canUseCode ?? false, passkey: canUsePasskey ?? false});
  useEffect(() => {
    if (canUseCode !== undefined && canUsePasskey !== undefined) return undefined;
    let live = true;
    getMfaStatus().then(
      (status) =>
        live && setKnown({code: canUseCode ?? status.totp_enabled, passkey: canUsePasskey ?? status.passkeys > 0}),
      () => {
        // the password still works
      },
    );
    return () => {
      live = false;
    };
  }, []);
  const [way, setWay] = useState<Way>('password');
  const [passkeyPending, setPasskeyPending] = useState(false);
  const passkeyInFlight = useRef(false);
  const form = useForm({
    initial: {secret: ''},
    validate: ({secret}) =>
      secret.trim()
        ? {}
        : {
            secret:
              way === 'password'
                ? passwordRequired()
                : translate({
                    id: 'authgate.reauth.codeRequired',
                    message: 'Enter the code from your app.',
                    description: 'Form error: the code field of the identity check is empty',
                  }),
          },
    ids: IDS,
    recheck: [],
    fallback: tryAgain(),
    submit: ({secret}) => request.retry(way === 'password' ? {password: secret} : {code: secret}),
    fieldErrors: (err) => (needsProof(err) && err instanceof AuthError ? {secret: wrongProof(err, way)} : undefined),
  });
  const {values, errors, alert, pending, set, onSubmit, setAlert} = form;

  const switchTo = (to: Way) => {
    setWay(to);
    form.reset();
    setAlert(null);
    // the field is a new input (its `key`), which takes the focus as it mounts
  };

  const withPasskey = async () => {
    if (passkeyInFlight.current) return;
    passkeyInFlight.current = true;
    setPasskeyPending(true);
    setAlert(null);
    try {
      await reauthenticateWithPasskey();
      await request.retry();
    } catch (err) {
      setAlert(err instanceof AuthError ? err.message : passkeyErrorMessage(err));
    } finally {
      passkeyInFlight.current = false;
      setPasskeyPending(false);
    }
  };

  const title = translate({
    id: 'authgate.reauth.title',
    message: 'Confirm it is you',
    description: 'Title of the prompt asking the password or a code before a sensitive change',
  });
  return (
    <form noValidate onSubmit={onSubmit} aria-label={title} className="authgate-reauth">
      <p className="authgate-reauth__title">{title}</p>
      <p className="authgate-section__text">
        {way === 'password'
          ? translate(
              {
                id: 'authgate.reauth.explainPassword',
                message: 'To {action}, enter your password.',
                description: 'Why the password is asked; {action} is what the reader is doing, e.g. "sign out everywhere"',
              },
              {action: request.action},
            )
          : translate(
              {
                id: 'authgate.reauth.explainCode',
                message: 'To {action}, enter a code from your authenticator app or a backup code.',
                description: 'Why a code is asked; {action} is what the reader is doing, e.g. "sign out everywhere"',
              },
              {action: request.action},
            )}
      </p>
      <FormAlert message={alert} />
      <input type="text" name="username" autoComplete="username" value={user?.email ?? ''} readOnly hidden />
      <Field
        id={IDS.secret}
        label={
          way === 'password'
            ? translate({id: 'authgate.reauth.password', message: 'Your password', description: 'Label of the password field of the identity check'})
            : translate({id: 'authgate.reauth.code', message: 'Code', description: 'Label of the code field of the identity check'})
        }
        error={errors.secret}>
        {(control) => (
          <input
            {...control}
            key={way}
            type={way === 'password' ? 'password' : 'text'}
            name={way === 'password' ? 'current-password' : 'code'}
            autoComplete={way === 'password' ? 'current-password' : 'one-time-code'}
            spellCheck={false}
            autoFocus
            required
            value={values.secret}
            onChange={(e) => set('secret', e.target.value)}
          />
        )}
      </Field>
      <div className="authgate-section__footer authgate-reauth__actions">
        <button type="submit" className="button button--primary" disabled={pending || passkeyPending}>
          {pending
            ? translate({id: 'authgate.reauth.pending', message: 'Checking…', description: 'The confirm button while checking'})
            : translate({id: 'authgate.reauth.submit', message: 'Confirm', description: 'The button of the identity check'})}
        </button>
        <button type="button" className="button button--secondary button--outline" onClick={request.cancel}>
          {cancelLabel()}
        </button>
      </div>
      <div className="authgate-reauth__other">
        {known.code && way === 'password' && (
          <button type="button" className="authgate-link-button" onClick={() => switchTo('code')}>
            {translate({
              id: 'authgate.reauth.useCode',
              message: 'Use a code from your app instead',
              description: 'Switches the identity check to a code',
            })}
          </button>
        )}
        {way === 'code' && (
          <button type="button" className="authgate-link-button" onClick={() => switchTo('password')}>
            {translate({
              id: 'authgate.reauth.usePassword',
              message: 'Use your password instead',
              description: 'Switches the identity check to the password',
            })}
          </button>
        )}
        {known.passkey && !request.typedProof && webauthnAvailable() && (
          <button type="button" className="authgate-link-button" disabled={passkeyPending} onClick={() => void withPasskey()}>
            {passkeyPending
              ? translate({
                  id: 'authgate.passkey.waiting',
                  message: 'Waiting for your passkey…',
                  description: 'A passkey button while the browser dialog is open',
                })
              : translate({
                  id: 'authgate.reauth.usePasskey',
                  message: 'Use a passkey instead',
                  description: 'Confirms the identity with a passkey instead',
                })}
          </button>
        )}
      </div>
      {way === 'password' && (
        <p className="authgate-section__text authgate-section__text--small">
          {translate({
            id: 'authgate.reauth.noPassword',
            message:
              'No password on your account (you sign in with a provider)? Sign out and in again, then try again within a few minutes.',
            description: 'Advice in the identity check for a reader who has no password',
          })}
        </p>
      )}
    </form>
  );
}

function wrongProof(err: AuthError, way: Way): string {
  if (err.code === 'RECENT_SIGN_IN_REQUIRED') {
    return way === 'password'
      ? passwordRequired()
      : translate({
          id: 'authgate.reauth.codeMissing',
          message: 'Enter a code.',
          description: 'Form error: the identity check needs a code',
        });
  }
  return err.message;
}

function passwordRequired(): string {
  return translate({
    id: 'authgate.validation.passwordRequired',
    message: 'Enter your password.',
    description: 'Form error: the password field of a sign-in or confirmation is empty',
  });
}
