import {useEffect, useState} from 'react';
import type {ReactNode} from 'react';
import FormAlert from '@theme/Authgate/FormAlert';
import Section from '@theme/Authgate/Section';
import {WARNING_EVENTS, describeDevice, describeEvent, formatDateTime} from '@theme/Authgate/format';
import {useAuth} from 'docusaurus-plugin-authgate/client';
import type {SecurityEvent} from 'docusaurus-plugin-authgate/client';

/** The reader's recent security events, newest first; loads when it mounts (its section is opened). */
export function EventsList(): ReactNode {
  const {listEvents} = useAuth();
  const [events, setEvents] = useState<SecurityEvent[] | null>(null);
  const [alert, setAlert] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    listEvents().then(
      (list) => live && setEvents(list),
      (err: unknown) => {
        if (!live) return;
        setAlert(err instanceof Error ? err.message : 'Could not load your activity.');
        setEvents([]);
      },
    );
    return () => {
      live = false;
    };
    // Once per mount: listEvents changes identity with every session snapshot.
  }, []);

  if (events === null) {
    return (
      <p className="authgate-section__text" aria-busy="true">
        Loading your activity…
      </p>
    );
  }
  return (
    <>
      <FormAlert message={alert} />
      {events.length === 0 && !alert && <p className="authgate-section__text">Nothing recorded yet.</p>}
      {events.length > 0 && (
        <ul className="authgate-list" aria-label="Recent security activity">
          {events.map((event, index) => (
            <li
              key={`${event.created_at}-${index}`}
              className={`authgate-list__item${WARNING_EVENTS.has(event.type) ? ' authgate-list__item--warning' : ''}`}>
              <div className="authgate-list__main">
                <div className="authgate-list__title">{describeEvent(event.type)}</div>
                <div className="authgate-list__meta">
                  <time dateTime={event.created_at}>{formatDateTime(event.created_at)}</time>
                  {event.user_agent && <> · {describeDevice(event.user_agent)}</>}
                  {event.ip_address && <> · IP {event.ip_address}</>}
                  {event.detail && <> · {event.detail}</>}
                </div>
              </div>
            </li>
          ))}
        </ul>
      )}
      <p className="authgate-section__text authgate-section__text--small">
        Something here you do not recognise? Change your password and sign out everywhere.
      </p>
    </>
  );
}

export default function EventsSection(): ReactNode {
  return (
    <Section title="Recent security activity" summary="Sign-ins, password and email changes on your account.">
      <EventsList />
    </Section>
  );
}
