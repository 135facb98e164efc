import {useEffect, useRef, useState} from 'react';
import type {ReactNode} from 'react';
import {translate} from '@docusaurus/Translate';
import {
  passkeyCancelledMessage,
  conditionalMediationAvailable,
  isCeremonyCancelled,
  useAuth,
  webauthnAvailable,
} from 'docusaurus-plugin-authgate/client';

/** The reader-facing words for what a passkey sign-in threw. */
export function passkeyErrorMessage(err: unknown): string {
  if (isCeremonyCancelled(err)) return passkeyCancelledMessage();
  if (err instanceof Error && err.name === 'AuthError') return err.message;
  return translate({
    id: 'authgate.passkey.signInFailed',
    message: 'Signing in with a passkey failed. Please try again, or use another way to sign in.',
    description: 'Alert when a passkey sign-in failed for an unknown reason',
  });
}

function waitingLabel(): string {
  return translate({
    id: 'authgate.passkey.waiting',
    message: 'Waiting for your passkey…',
    description: 'A passkey button while the browser dialog is open',
  });
}

export interface PasskeySignInOptions {
  /** Called once the passkey signed the reader in. */
  onSignedIn: () => void;
  /** The alert to show (null clears it). */
  onError: (message: string | null) => void;
  /** Also offer the passkeys in the autofill of a field marked `autocomplete="username webauthn"`. */
  autofill?: boolean;
}

/**
 * Signing in with a passkey: `available` once mounted where WebAuthn exists (never during the static render),
 * `start()` for the button (a browser dialog), and where the browser supports it a conditional request that
 * offers the passkeys in the email field's autofill. `stopAutofill()` aborts that request (a password sign-in
 * or the button is about to run) and resolves once it has let go; `resumeAutofill()` offers them again.
 */
export function usePasskeySignIn({onSignedIn, onError, autofill = false}: PasskeySignInOptions) {
  const {signInWithPasskey} = useAuth();
  const [available, setAvailable] = useState(false);
  const [pending, setPending] = useState(false);
  const [round, setRound] = useState(0);
  const callbacks = useRef({onSignedIn, onError});
  callbacks.current = {onSignedIn, onError};
  const conditional = useRef<{controller: AbortController; settled: Promise<void>} | null>(null);
  const inFlight = useRef(false);

  useEffect(() => setAvailable(webauthnAvailable()), []);

  useEffect(() => {
    if (!autofill) return undefined;
    let live = true;
    const controller = new AbortController();
    // always settles (its failures are handled here), so stopAutofill can wait on it
    const settled = conditionalMediationAvailable().then(async (ok) => {
      if (!ok || !live || controller.signal.aborted) return;
      try {
        await signInWithPasskey({mediation: 'conditional', signal: controller.signal});
        if (live && !controller.signal.aborted) callbacks.current.onSignedIn();
      } catch (err) {
        if (!live || controller.signal.aborted || isCeremonyCancelled(err)) return;
        callbacks.current.onError(passkeyErrorMessage(err));
      }
    });
    conditional.current = {controller, settled};
    return () => {
      live = false;
      controller.abort();
      conditional.current = null;
    };
  }, [autofill, round]);

  const stopAutofill = async (): Promise<void> => {
    const current = conditional.current;
    conditional.current = null;
    if (!current) return;
    current.controller.abort();
    // the browser allows one WebAuthn request at a time: wait until the aborted one is gone
    await current.settled;
  };

  const resumeAutofill = () => {
    if (autofill) setRound((r) => r + 1);
  };

  const start = async (): Promise<void> => {
    if (inFlight.current) return;
    inFlight.current = true;
    setPending(true);
    callbacks.current.onError(null);
    let signedIn = false;
    try {
      await stopAutofill();
      await signInWithPasskey();
      signedIn = true;
    } catch (err) {
      callbacks.current.onError(passkeyErrorMessage(err));
    } finally {
      inFlight.current = false;
      setPending(false);
    }
    if (signedIn) callbacks.current.onSignedIn();
    else resumeAutofill();
  };

  return {available, pending, start, stopAutofill, resumeAutofill};
}

export interface PasskeyButtonProps {
  onClick: () => void;
  pending?: boolean;
  label?: string;
  /** 'secondary' (default) or 'link' for an "instead" offer under a form. */
  look?: 'secondary' | 'link';
}

/** "Sign in with a passkey": render it only where `usePasskeySignIn().available` is true. */
export default function PasskeyButton({
  onClick,
  pending = false,
  label: given,
  look = 'secondary',
}: PasskeyButtonProps): ReactNode {
  const label =
    given ??
    translate({id: 'authgate.passkey.signIn', message: 'Sign in with a passkey', description: 'Button that signs in with a passkey'});
  if (look === 'link') {
    return (
      <button type="button" className="authgate-link-button" disabled={pending} onClick={onClick}>
        {pending ? waitingLabel() : label}
      </button>
    );
  }
  return (
    <button
      type="button"
      className="button button--secondary button--block authgate-passkey-button"
      disabled={pending}
      aria-disabled={pending}
      onClick={onClick}>
      <svg className="authgate-passkey-button__icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
        <circle cx="9" cy="8" r="4" fill="none" stroke="currentColor" strokeWidth="2" />
        <path d="M2 20c0-3.3 3.1-6 7-6 1.3 0 2.5.3 3.5.8" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
        <circle cx="18" cy="13" r="2.5" fill="none" stroke="currentColor" strokeWidth="2" />
        <path d="M18 15.5V21l1.5-1.2L18 18.5" fill="none" stroke="currentColor" strokeWidth="2" strokeLinejoin="round" />
      </svg>
      {pending ? waitingLabel() : label}
    </button>
  );
}
