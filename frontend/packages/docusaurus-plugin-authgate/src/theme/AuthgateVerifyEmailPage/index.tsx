import {useEffect, useRef, useState} from 'react';
import type {ReactNode} from 'react';
import Layout from '@theme/Layout';
import Link from '@docusaurus/Link';
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
export function ResendButton({label = 'Send a new link'}: {label?: string}): ReactNode {
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
      setSent('We sent a new link. Check your inbox.');
    } catch (err) {
      setError(err instanceof Error ? err.message : 'Sending failed. Please try again.');
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
        {pending ? 'Sending…' : label}
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
        setState({kind: 'failed', message: err instanceof Error ? err.message : 'This link did not work.'}),
    );
    return () => {
      live = false;
    };
  }, [token, verifyEmail]);

  if (state.kind === 'pending') {
    return (
      <Card title="Verifying your email…" lead="One moment.">
        <div className="authgate-placeholder authgate-placeholder--short" aria-busy="true" />
      </Card>
    );
  }
  if (state.kind === 'verified') {
    return (
      <Card
        title="Your email is verified"
        lead={
          <>
            <strong className="authgate-account__email">{state.email}</strong> is confirmed. Thank you.
          </>
        }>
        <div className="authgate-actions">
          {status === 'signed-in' ? (
            <>
              <Link className="button button--primary" to={home}>
                Continue reading
              </Link>
              <Link className="button button--secondary button--outline" to={paths.account}>
                Your account
              </Link>
            </>
          ) : (
            <Link className="button button--primary" to={paths.login}>
              Sign in
            </Link>
          )}
        </div>
      </Card>
    );
  }
  return (
    <Card
      title="This link did not work"
      lead="Verification links work once, for a limited time, and only the newest one counts.">
      <FormAlert message={state.message} />
      {status === 'signed-in' ? (
        <ResendButton />
      ) : (
        <div className="authgate-actions">
          <Link className="button button--primary" to={`${paths.login}?next=${encodeURIComponent(paths.account)}`}>
            Sign in to get a new link
          </Link>
        </div>
      )}
    </Card>
  );
}

function VerifyEmailContent(): ReactNode {
  const token = useMailedToken();
  if (token === undefined) return <CheckingLink title="Verify your email" />;
  if (!token) {
    return (
      <Card
        title="Verify your email"
        lead="This page needs the link from your verification email. Open the link from the email to confirm your address."
      />
    );
  }
  return <Verify token={token} />;
}

export default function AuthgateVerifyEmailPage(): ReactNode {
  return (
    <Layout title="Verify your email" description="Confirm your email address.">
      <TokenPageHead />
      <VerifyEmailContent />
    </Layout>
  );
}
