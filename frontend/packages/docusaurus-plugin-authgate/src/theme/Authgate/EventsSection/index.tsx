import {useEffect, useState} from 'react';
import type {ReactNode} from 'react';
import {translate} from '@docusaurus/Translate';
import FormAlert from '@theme/Authgate/FormAlert';
import {ipLabel} from '@theme/Authgate/labels';
import Section from '@theme/Authgate/Section';
import {WARNING_EVENTS, describeDevice, describeEvent, formatDateTime, useLocale} from '@theme/Authgate/format';
import {useAuth} from 'docusaurus-plugin-authgate/client';
import type {SecurityEvent} from 'docusaurus-plugin-authgate/client';

/** The reader's recent security events, newest first; loads when it mounts (its section is opened). */
export function EventsList(): ReactNode {
  const {listEvents} = useAuth();
  const [events, setEvents] = useState<SecurityEvent[] | null>(null);
  const [alert, setAlert] = useState<string | null>(null);
  const locale = useLocale();

  useEffect(() => {
    let live = true;
    listEvents().then(
      (list) => live && setEvents(list),
      (err: unknown) => {
        if (!live) return;
        setAlert(
          err instanceof Error
            ? err.message
            : translate({
                id: 'authgate.events.loadFailed',
                message: 'Could not load your activity.',
                description: 'Alert when the security activity could not be loaded',
              }),
        );
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
        {translate({
          id: 'authgate.events.loading',
          message: 'Loading your activity…',
          description: 'While the security activity loads',
        })}
      </p>
    );
  }
  return (
    <>
      <FormAlert message={alert} />
      {events.length === 0 && !alert && (
        <p className="authgate-section__text">
          {translate({
            id: 'authgate.events.empty',
            message: 'Nothing recorded yet.',
            description: 'The security activity list when it is empty',
          })}
        </p>
      )}
      {events.length > 0 && (
        <ul className="authgate-list" aria-label={eventsTitle()}>
          {events.map((event, index) => (
            <li
              key={`${event.created_at}-${index}`}
              className={`authgate-list__item${WARNING_EVENTS.has(event.type) ? ' authgate-list__item--warning' : ''}`}>
              <div className="authgate-list__main">
                <div className="authgate-list__title">{describeEvent(event.type)}</div>
                <div className="authgate-list__meta">
                  <time dateTime={event.created_at}>{formatDateTime(event.created_at, locale)}</time>
                  {event.user_agent && <> · {describeDevice(event.user_agent)}</>}
                  {event.ip_address && <> · {ipLabel(event.ip_address)}</>}
                  {event.detail && <> · {event.detail}</>}
                </div>
              </div>
            </li>
          ))}
        </ul>
      )}
      <p className="authgate-section__text authgate-section__text--small">
        {translate({
          id: 'authgate.events.advice',
          message: 'Something here you do not recognise? Change your password and sign out everywhere.',
          description: 'Advice under the security activity list',
        })}
      </p>
    </>
  );
}

function eventsTitle(): string {
  return translate({id: 'authgate.events.title', message: 'Recent security activity', description: 'Account section title'});
}

export default function EventsSection(): ReactNode {
  return (
    <Section
      title={eventsTitle()}
      summary={translate({
        id: 'authgate.events.summary',
        message: 'Sign-ins, password and email changes on your account.',
        description: 'Account section summary, under its title',
      })}>
      <EventsList />
    </Section>
  );
}
