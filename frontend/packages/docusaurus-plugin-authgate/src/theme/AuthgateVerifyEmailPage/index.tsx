import {useEffect, useRef, useState} from 'react';
import type {ReactNode} from 'react';
import Layout from '@theme/Layout';
import Link from '@docusaurus/Link';
import Translate, {translate} from '@docusaurus/Translate';
import {continueReadingLabel, sendingFailed, sendingLabel, signInLabel, yourAccountLabel} from '@theme/Authgate/labels';
import useBaseUrl from '@docusaurus/useBaseUrl';
import Card from '@theme/Authgate/Card';
import FormAlert from '@theme/Authgate/FormAlert';
import TokenPageHead from '@theme/Authgate/TokenPageHead';
import CheckingLink from '@theme/Authgate/CheckingLink';
import {useMailedToken} from '@theme/Authgate/useMailedToken';
import {useFocusReturn} from '@theme/Authgate/focusFirstError';
import {useAuth, useAuthgateConfig} from 'docusaurus-plugin-authgate/client';

type State = {kind: 'pending'} | {kind: 'verified'; email: string} | {kind: 'failed'; message: string};

/** "Send a new link" for a signed-in reader whose link failed. */
export function ResendButton({label}: {label?: string}): ReactNode {
  const {resendVerification} = useAuth();
  const [pending, setPending] = useState(false);
  const [sent, setSent] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const inFlight = useRef(false);
  const buttonRef = useFocusReturn(pending);
  const onClick = async () => {
    if (inFlight.current) return;
    inFlight.current = true;
    setPending(true);
    setError(null);
    setSent(null);
    try {
      await resendVerification();
      setSent(
        translate({
          id: 'authgate.verify.resent',
          message: 'We sent a new link. Check your inbox.',
          description: 'Confirmation after mailing a new verification link',
        }),
      );
    } catch (err) {
      setError(err instanceof Error ? err.message : sendingFailed());
    } finally {
      setPending(false);
      inFlight.current = false;
    }
  };
  return (
    <div>
      <FormAlert message={error} />
      <FormAlert message={sent} variant="success" />
      <button
        ref={buttonRef}
        type="button"
        className="button button--primary"
        disabled={pending}
        onClick={() => void onClick()}>
        {pending
          ? sendingLabel()
          : (label ??
            translate({
              id: 'authgate.verify.resend',
              message: 'Send a new link',
              description: 'Button that mails a new verification link',
            }))}
      </button>
    </div>
  );
}

function Verify({token}: {token: string}): ReactNode {
  const {verifyEmail, status} = useAuth();
  const {paths} = useAuthgateConfig();
  const home = useBaseUrl('/');
  const [state, setState] = useState<State>({kind: 'pending'});

  useEffect(() => {
    let live = true;
    // verifyEmail sends each token once per tab: React's StrictMode mounts effects twice, and the
    // token is single-use, so a second POST would only earn TOKEN_INVALID.
    verifyEmail(token).then(
      (body) => live && setState({kind: 'verified', email: body.email}),
      (err: unknown) =>
        live &&
        setState({kind: 'failed', message: err instanceof Error ? err.message : linkFailedTitle()}),
    );
    return () => {
      live = false;
    };
  }, [token, verifyEmail]);

  if (state.kind === 'pending') {
    return (
      <Card
        title={translate({
          id: 'authgate.verify.pending.title',
          message: 'Verifying your email…',
          description: 'Title while the verification link is being checked',
        })}
        lead={translate({id: 'authgate.verify.pending.lead', message: 'One moment.', description: 'Text while waiting'})}>
        <div className="authgate-placeholder authgate-placeholder--short" aria-busy="true" />
      </Card>
    );
  }
  if (state.kind === 'verified') {
    return (
      <Card
        title={translate({
          id: 'authgate.verify.done.title',
          message: 'Your email is verified',
          description: 'Title after the email address was verified',
        })}
        lead={
          <Translate
            id="authgate.verify.done.lead"
            description="After verifying; {email} is the confirmed address"
            values={{email: <strong className="authgate-account__email">{state.email}</strong>}}>
            {'{email} is confirmed. Thank you.'}
          </Translate>
        }>
        <div className="authgate-actions">
          {status === 'signed-in' ? (
            <>
              <Link className="button button--primary" to={home}>
                {continueReadingLabel()}
              </Link>
              <Link className="button button--secondary button--outline" to={paths.account}>
                {yourAccountLabel()}
              </Link>
            </>
          ) : (
            <Link className="button button--primary" to={paths.login}>
              {signInLabel()}
            </Link>
          )}
        </div>
      </Card>
    );
  }
  return (
    <Card
      title={linkFailedTitle()}
      lead={translate({
        id: 'authgate.verify.failed.lead',
        message: 'Verification links work once, for a limited time, and only the newest one counts.',
        description: 'Text when a verification link did not work',
      })}>
      <FormAlert message={state.message} />
      {status === 'signed-in' ? (
        <ResendButton />
      ) : (
        <div className="authgate-actions">
          <Link className="button button--primary" to={`${paths.login}?next=${encodeURIComponent(paths.account)}`}>
            {translate({
              id: 'authgate.verify.failed.signIn',
              message: 'Sign in to get a new link',
              description: 'Button for a signed-out reader whose verification link did not work',
            })}
          </Link>
        </div>
      )}
    </Card>
  );
}

function linkFailedTitle(): string {
  return translate({
    id: 'authgate.verify.failed.title',
    message: 'This link did not work',
    description: 'Title when a verification link did not work',
  });
}

function verifyTitle(): string {
  return translate({id: 'authgate.verify.title', message: 'Verify your email', description: 'Title of the verify-email page'});
}

function VerifyEmailContent(): ReactNode {
  const token = useMailedToken();
  if (token === undefined) return <CheckingLink title={verifyTitle()} />;
  if (!token) {
    return (
      <Card
        title={verifyTitle()}
        lead={translate({
          id: 'authgate.verify.noToken',
          message:
            'This page needs the link from your verification email. Open the link from the email to confirm your address.',
          description: 'The verify-email page opened without the link from the email',
        })}
      />
    );
  }
  return <Verify token={token} />;
}

export default function AuthgateVerifyEmailPage(): ReactNode {
  return (
    <Layout
      title={verifyTitle()}
      description={translate({
        id: 'authgate.verify.description',
        message: 'Confirm your email address.',
        description: 'The meta description of the verify-email page',
      })}>
      <TokenPageHead />
      <VerifyEmailContent />
    </Layout>
  );
}
