import {useRef, useState} from 'react';
import type {ReactNode} from 'react';
import {useLocation} from '@docusaurus/router';
import Translate, {translate} from '@docusaurus/Translate';
import {sendingFailed, sendingLabel} from '@theme/Authgate/labels';
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
      setResult({
        ok: true,
        message: translate(
          {
            id: 'authgate.banner.sent',
            message: 'Sent. Check your inbox at {email}.',
            description: 'After "Resend" in the verify-email banner; {email} is the reader\'s address',
          },
          {email: user.email},
        ),
      });
    } catch (err) {
      setResult({ok: false, message: err instanceof Error ? err.message : sendingFailed()});
    } finally {
      setPending(false);
      inFlight.current = false;
    }
  };

  return (
    <div
      className="authgate-banner"
      role="region"
      aria-label={translate({
        id: 'authgate.banner.label',
        message: 'Verify your email',
        description: 'Accessible name of the verify-email banner above every page',
      })}>
      <div className="container authgate-banner__inner">
        <p className="authgate-banner__text">
          <Translate
            id="authgate.banner.text"
            description="The verify-email banner; {title} is its bold first words, {email} the reader's address"
            values={{
              title: (
                <strong>
                  <Translate id="authgate.banner.title" description="The bold first words of the verify-email banner">
                    Verify your email.
                  </Translate>
                </strong>
              ),
              email: <span className="authgate-account__email">{user.email}</span>,
            }}>
            {'{title} We sent a link to {email}; open it to confirm your address.'}
          </Translate>
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
            {pending
              ? sendingLabel()
              : translate({
                  id: 'authgate.banner.resend',
                  message: 'Resend',
                  description: 'Button in the verify-email banner that mails a new link',
                })}
          </button>
        </div>
      </div>
    </div>
  );
}
