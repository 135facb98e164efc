import {useRef, useState} from 'react';
import type {ReactNode} from 'react';
import {useLocation} from '@docusaurus/router';
import {useAuth, useAuthgateConfig} from 'docusaurus-plugin-authgate/client';
import {useFocusReturn} from '@theme/Authgate/focusFirstError';

/**
 * "Verify your email" for a signed-in reader whose address is not confirmed yet, with a button that
 * mails a new link. Reads `is_verified` from the session the page already has: no extra request.
 * Hidden on the verify-email page itself, which says the same thing in full.
 */
export default function VerifyEmailBanner(): ReactNode {
  const {status, user, resendVerification} = useAuth();
  const {paths} = useAuthgateConfig();
  const location = useLocation();
  const [pending, setPending] = useState(false);
  const [result, setResult] = useState<{ok: boolean; message: string} | null>(null);
  const inFlight = useRef(false);
  const buttonRef = useFocusReturn(pending);

  if (status !== 'signed-in' || !user || user.is_verified) return null;
  if (location.pathname === paths.verifyEmail) return null;

  const onResend = async () => {
    if (inFlight.current) return;
    inFlight.current = true;
    setPending(true);
    setResult(null);
    try {
      await resendVerification();
      setResult({ok: true, message: `Sent. Check your inbox at ${user.email}.`});
    } catch (err) {
      setResult({ok: false, message: err instanceof Error ? err.message : 'Sending failed. Please try again.'});
    } finally {
      setPending(false);
      inFlight.current = false;
    }
  };

  return (
    <div className="authgate-banner" role="region" aria-label="Verify your email">
      <div className="container authgate-banner__inner">
        <p className="authgate-banner__text">
          <strong>Verify your email.</strong> We sent a link to{' '}
          <span className="authgate-account__email">{user.email}</span>; open it to confirm your address.
        </p>
        <div className="authgate-banner__actions">
          {result && (
            <span
              role={result.ok ? 'status' : 'alert'}
              className={`authgate-banner__result${result.ok ? '' : ' authgate-banner__result--error'}`}>
              {result.message}
            </span>
          )}
          <button
            ref={buttonRef}
            type="button"
            className="button button--sm button--secondary authgate-banner__button"
            disabled={pending}
            onClick={() => void onResend()}>
            {pending ? 'Sending…' : 'Resend'}
          </button>
        </div>
      </div>
    </div>
  );
}
