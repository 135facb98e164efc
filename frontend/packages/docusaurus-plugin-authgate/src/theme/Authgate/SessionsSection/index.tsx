import {useEffect, useRef, useState} from 'react';
import type {ReactNode} from 'react';
import FormAlert from '@theme/Authgate/FormAlert';
import ReauthPrompt, {useReauth} from '@theme/Authgate/ReauthPrompt';
import Section from '@theme/Authgate/Section';
import {describeDevice, formatDateTime} from '@theme/Authgate/format';
import {useAuth} from 'docusaurus-plugin-authgate/client';
import type {SessionInfo} from 'docusaurus-plugin-authgate/client';

export interface SessionsSectionProps {
  /** Called just before "Sign out everywhere" is sent (with true) and if it fails (with false). */
  onSignOutEverywhere?: (starting: boolean) => void;
}

/** The list of signed-in devices; loads when it mounts (that is, when its section is opened). */
export function SessionsList({onSignOutEverywhere}: SessionsSectionProps): ReactNode {
  const {listSessions, revokeSession, signOutEverywhere} = useAuth();
  const [sessions, setSessions] = useState<SessionInfo[] | null>(null);
  const [alert, setAlert] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const inFlight = useRef(false);
  // ending sessions is a sensitive change: a proof is asked for when the sign-in is not recent
  const reauth = useReauth();

  useEffect(() => {
    let live = true;
    // Once per mount: listSessions changes identity with every session snapshot.
    listSessions().then(
      (list) => live && setSessions(list),
      (err: unknown) => {
        if (!live) return;
        setAlert(err instanceof Error ? err.message : 'Could not load your devices.');
        setSessions([]);
      },
    );
    return () => {
      live = false;
    };
  }, []);

  const revoke = async (session: SessionInfo) => {
    if (inFlight.current) return;
    inFlight.current = true;
    setBusy(session.id);
    setAlert(null);
    setNotice(null);
    try {
      const done = await reauth.guard(
        `sign out ${describeDevice(session.user_agent)}`,
        (proof) => revokeSession(session.id, proof),
      );
      if (!done) return;
      setSessions((list) => (list ? list.filter((s) => s.id !== session.id) : list));
      setNotice(`Signed out ${describeDevice(session.user_agent)}.`);
    } catch (err) {
      setAlert(err instanceof Error ? err.message : 'Signing that device out failed.');
    } finally {
      setBusy(null);
      inFlight.current = false;
    }
  };

  const everywhere = async () => {
    if (inFlight.current) return;
    inFlight.current = true;
    setBusy('*');
    setAlert(null);
    setNotice(null);
    onSignOutEverywhere?.(true);
    try {
      const done = await reauth.guard('sign out everywhere', (proof) => signOutEverywhere(proof));
      if (done) return;
      onSignOutEverywhere?.(false);
    } catch (err) {
      onSignOutEverywhere?.(false);
      setAlert(err instanceof Error ? err.message : 'Signing out everywhere failed.');
    }
    setBusy(null);
    inFlight.current = false;
  };

  if (sessions === null) {
    return (
      <p className="authgate-section__text" aria-busy="true">
        Loading your devices…
      </p>
    );
  }

  return (
    <>
      <FormAlert message={alert} />
      <FormAlert message={notice} variant="success" />
      <ReauthPrompt reauth={reauth} />
      {sessions.length > 0 && (
        <ul className="authgate-list" aria-label="Signed-in devices">
          {sessions.map((session) => {
            const device = describeDevice(session.user_agent);
            return (
              <li key={session.id} className="authgate-list__item">
                <div className="authgate-list__main">
                  <div className="authgate-list__title" title={session.user_agent ?? undefined}>
                    {device}
                    {session.current && <span className="badge badge--primary authgate-list__badge">This device</span>}
                  </div>
                  <div className="authgate-list__meta">
                    Signed in <time dateTime={session.created_at}>{formatDateTime(session.created_at)}</time>
                    {session.last_used_at && (
                      <>
                        {' · '}last active{' '}
                        <time dateTime={session.last_used_at}>{formatDateTime(session.last_used_at)}</time>
                      </>
                    )}
                    {session.ip_address && <> · IP {session.ip_address}</>}
                  </div>
                </div>
                {!session.current && (
                  <button
                    type="button"
                    className="button button--sm button--secondary button--outline"
                    disabled={busy !== null}
                    aria-label={`Sign out ${device}, signed in ${formatDateTime(session.created_at)}`}
                    onClick={() => void revoke(session)}>
                    {busy === session.id ? 'Signing out…' : 'Sign out'}
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
      <div className="authgate-section__footer">
        <p className="authgate-section__text">
          Lost a device, or signed in somewhere you should not have? Sign out everywhere, this device included.
        </p>
        <button
          type="button"
          className="button button--danger button--outline"
          disabled={busy !== null}
          onClick={() => void everywhere()}>
          {busy === '*' ? 'Signing out…' : 'Sign out everywhere'}
        </button>
      </div>
    </>
  );
}

export default function SessionsSection(props: SessionsSectionProps): ReactNode {
  return (
    <Section title="Signed-in devices" summary="Where your account is signed in; sign any of them out.">
      <SessionsList {...props} />
    </Section>
  );
}
