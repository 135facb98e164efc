import {useEffect, useRef, useState} from 'react';
import type {ReactNode} from 'react';
import Translate, {translate} from '@docusaurus/Translate';
import FormAlert from '@theme/Authgate/FormAlert';
import ReauthPrompt, {useReauth} from '@theme/Authgate/ReauthPrompt';
import Section from '@theme/Authgate/Section';
import {describeDevice, formatDateTime, useLocale} from '@theme/Authgate/format';
import {ipLabel, signOutLabel} from '@theme/Authgate/labels';
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
  const locale = useLocale();
  const signingOut = () =>
    translate({id: 'authgate.sessions.signingOut', message: 'Signing out…', description: 'A sign-out button while signing out'});

  useEffect(() => {
    let live = true;
    // Once per mount: listSessions changes identity with every session snapshot.
    listSessions().then(
      (list) => live && setSessions(list),
      (err: unknown) => {
        if (!live) return;
        setAlert(
          err instanceof Error
            ? err.message
            : translate({
                id: 'authgate.sessions.loadFailed',
                message: 'Could not load your devices.',
                description: 'Alert when the list of signed-in devices could not be loaded',
              }),
        );
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
      const device = describeDevice(session.user_agent);
      const done = await reauth.guard(
        translate(
          {
            id: 'authgate.sessions.reauthRevoke',
            message: 'sign out {device}',
            description: 'What the reader confirms with a password or code ("to {action}"); {device} names the device',
          },
          {device},
        ),
        (proof) => revokeSession(session.id, proof),
      );
      if (!done) return;
      setSessions((list) => (list ? list.filter((s) => s.id !== session.id) : list));
      setNotice(
        translate(
          {
            id: 'authgate.sessions.revoked',
            message: 'Signed out {device}.',
            description: 'Confirmation after signing one device out; {device} names it',
          },
          {device},
        ),
      );
    } catch (err) {
      setAlert(
        err instanceof Error
          ? err.message
          : translate({
              id: 'authgate.sessions.revokeFailed',
              message: 'Signing that device out failed.',
              description: 'Alert when signing one device out failed',
            }),
      );
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
      const action = translate({
        id: 'authgate.sessions.reauthEverywhere',
        message: 'sign out everywhere',
        description: 'What the reader confirms with a password or code ("to {action}")',
      });
      const done = await reauth.guard(action, (proof) => signOutEverywhere(proof));
      if (done) return;
      onSignOutEverywhere?.(false);
    } catch (err) {
      onSignOutEverywhere?.(false);
      setAlert(
        err instanceof Error
          ? err.message
          : translate({
              id: 'authgate.sessions.everywhereFailed',
              message: 'Signing out everywhere failed.',
              description: 'Alert when signing out everywhere failed',
            }),
      );
    }
    setBusy(null);
    inFlight.current = false;
  };

  if (sessions === null) {
    return (
      <p className="authgate-section__text" aria-busy="true">
        {translate({
          id: 'authgate.sessions.loading',
          message: 'Loading your devices…',
          description: 'While the list of signed-in devices loads',
        })}
      </p>
    );
  }

  return (
    <>
      <FormAlert message={alert} />
      <FormAlert message={notice} variant="success" />
      <ReauthPrompt reauth={reauth} />
      {sessions.length > 0 && (
        <ul className="authgate-list" aria-label={sessionsTitle()}>
          {sessions.map((session) => {
            const device = describeDevice(session.user_agent);
            return (
              <li key={session.id} className="authgate-list__item">
                <div className="authgate-list__main">
                  <div className="authgate-list__title" title={session.user_agent ?? undefined}>
                    {device}
                    {session.current && (
                      <span className="badge badge--primary authgate-list__badge">
                        {translate({
                          id: 'authgate.sessions.thisDevice',
                          message: 'This device',
                          description: 'Badge on the device the reader is using now',
                        })}
                      </span>
                    )}
                  </div>
                  <div className="authgate-list__meta">
                    <Translate
                      id="authgate.sessions.signedInAt"
                      description="When a device signed in; {time} is a date and time"
                      values={{time: <time dateTime={session.created_at}>{formatDateTime(session.created_at, locale)}</time>}}>
                      {'Signed in {time}'}
                    </Translate>
                    {session.last_used_at && (
                      <>
                        {' · '}
                        <Translate
                          id="authgate.sessions.lastActive"
                          description="When a device was last used; {time} is a date and time"
                          values={{
                            time: <time dateTime={session.last_used_at}>{formatDateTime(session.last_used_at, locale)}</time>,
                          }}>
                          {'last active {time}'}
                        </Translate>
                      </>
                    )}
                    {session.ip_address && <> · {ipLabel(session.ip_address)}</>}
                  </div>
                </div>
                {!session.current && (
                  <button
                    type="button"
                    className="button button--sm button--secondary button--outline"
                    disabled={busy !== null}
                    aria-label={translate(
                      {
                        id: 'authgate.sessions.revokeLabel',
                        message: 'Sign out {device}, signed in {time}',
                        description: 'Accessible name of the button that signs one device out',
                      },
                      {device, time: formatDateTime(session.created_at, locale)},
                    )}
                    onClick={() => void revoke(session)}>
                    {busy === session.id ? signingOut() : signOutLabel()}
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
      <div className="authgate-section__footer">
        <p className="authgate-section__text">
          {translate({
            id: 'authgate.sessions.everywhereText',
            message: 'Lost a device, or signed in somewhere you should not have? Sign out everywhere, this device included.',
            description: 'Explanation above the "Sign out everywhere" button',
          })}
        </p>
        <button
          type="button"
          className="button button--danger button--outline"
          disabled={busy !== null}
          onClick={() => void everywhere()}>
          {busy === '*'
            ? signingOut()
            : translate({
                id: 'authgate.sessions.everywhere',
                message: 'Sign out everywhere',
                description: 'Button that signs every device out',
              })}
        </button>
      </div>
    </>
  );
}

function sessionsTitle(): string {
  return translate({id: 'authgate.sessions.title', message: 'Signed-in devices', description: 'Account section title'});
}

export default function SessionsSection(props: SessionsSectionProps): ReactNode {
  return (
    <Section
      title={sessionsTitle()}
      summary={translate({
        id: 'authgate.sessions.summary',
        message: 'Where your account is signed in; sign any of them out.',
        description: 'Account section summary, under its title',
      })}>
      <SessionsList {...props} />
    </Section>
  );
}
