import {useEffect, useRef, useState} from 'react';
import type {ReactNode} from 'react';
import Translate, {translate} from '@docusaurus/Translate';
import Field from '@theme/Authgate/Field';
import {tryAgain} from '@theme/Authgate/useForm';
import FormAlert from '@theme/Authgate/FormAlert';
import Section from '@theme/Authgate/Section';
import {formatDateTime, useLocale} from '@theme/Authgate/format';
import {useAuth} from 'docusaurus-plugin-authgate/client';
import type {IdentityInfo, ProviderInfo} from 'docusaurus-plugin-authgate/client';

/** The providers connected to the account, and the others to connect; loads when its section is opened. */
export function ConnectedAccounts(): ReactNode {
  const {listIdentities, listProviders, connectProvider, disconnectIdentity} = useAuth();
  const [identities, setIdentities] = useState<IdentityInfo[] | null>(null);
  const [providers, setProviders] = useState<ProviderInfo[]>([]);
  const [password, setPassword] = useState('');
  const [alert, setAlert] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const inFlight = useRef(false);
  const locale = useLocale();

  useEffect(() => {
    let live = true;
    Promise.all([listIdentities(), listProviders()]).then(
      ([list, available]) => {
        if (!live) return;
        setIdentities(list);
        setProviders(available);
      },
      (err: unknown) => {
        if (!live) return;
        setAlert(
          err instanceof Error
            ? err.message
            : translate({
                id: 'authgate.connected.loadFailed',
                message: 'Could not load your connected accounts.',
                description: 'Alert when the connected accounts could not be loaded',
              }),
        );
        setIdentities([]);
      },
    );
    return () => {
      live = false;
    };
  }, []);

  const run = async (action: () => Promise<void>) => {
    if (inFlight.current) return;
    inFlight.current = true;
    setAlert(null);
    setNotice(null);
    try {
      await action();
    } catch (err) {
      setAlert(err instanceof Error ? err.message : tryAgain());
    } finally {
      inFlight.current = false;
    }
  };

  const connect = (provider: ProviderInfo) =>
    run(async () => {
      // the API asks for the password (or, for a reader without one, a recent sign-in), then sends us on
      const url = await connectProvider(provider.id, password || undefined);
      window.location.assign(url);
    });

  const disconnect = (identity: IdentityInfo) =>
    run(async () => {
      // as for connecting: the API asks for the password however recent the sign-in (a stolen session must not cut
      // the reader's way in); a reader without one proves it by a recent sign-in
      await disconnectIdentity(identity.id, password || undefined);
      setIdentities((list) => (list ? list.filter((i) => i.id !== identity.id) : list));
      setNotice(
        translate(
          {
            id: 'authgate.connected.disconnected',
            message: '{provider} was disconnected.',
            description: 'Confirmation after disconnecting a provider; {provider} is its name',
          },
          {provider: identity.name},
        ),
      );
    });

  if (identities === null) {
    return (
      <p className="authgate-section__text" aria-busy="true">
        {translate({
          id: 'authgate.connected.loading',
          message: 'Loading your connected accounts…',
          description: 'While the connected accounts load',
        })}
      </p>
    );
  }
  const connected = new Set(identities.map((i) => i.provider));
  const available = providers.filter((p) => !connected.has(p.id));
  return (
    <>
      <FormAlert message={alert} />
      <FormAlert message={notice} variant="success" />
      {identities.length === 0 ? (
        <p className="authgate-section__text">
          {translate({
            id: 'authgate.connected.none',
            message: 'No provider is connected to your account.',
            description: 'The connected accounts list when it is empty',
          })}
        </p>
      ) : (
        <ul className="authgate-list" aria-label={connectedTitle()}>
          {identities.map((identity) => (
            <li key={identity.id} className="authgate-list__item">
              <div className="authgate-list__main">
                <div className="authgate-list__title">{identity.name}</div>
                <div className="authgate-list__meta">
                  {identity.email ? `${identity.email} · ` : ''}
                  <Translate
                    id="authgate.connected.since"
                    description="When a provider was connected; {time} is a date and time"
                    values={{time: <time dateTime={identity.created_at}>{formatDateTime(identity.created_at, locale)}</time>}}>
                    {'connected {time}'}
                  </Translate>
                </div>
              </div>
              <button
                type="button"
                className="button button--sm button--secondary button--outline"
                aria-label={translate(
                  {
                    id: 'authgate.connected.disconnectLabel',
                    message: 'Disconnect {provider}',
                    description: 'Accessible name of the button that disconnects a provider; {provider} is its name',
                  },
                  {provider: identity.name},
                )}
                onClick={() => void disconnect(identity)}>
                {translate({
                  id: 'authgate.connected.disconnect',
                  message: 'Disconnect',
                  description: 'Button that disconnects a provider',
                })}
              </button>
            </li>
          ))}
        </ul>
      )}
      {(available.length > 0 || identities.length > 0) && (
        <Field
          id="authgate-connected-password"
          label={translate({
            id: 'authgate.connected.password',
            message: 'Your password',
            description: 'Label of the password asked before connecting or disconnecting a provider',
          })}
          hint={translate({
            id: 'authgate.connected.passwordHint',
            message: 'Asked again before a change to how you sign in. Leave it empty if your account has no password.',
            description: 'Hint under the password of the connected accounts section',
          })}>
          {(control) => (
            <input
              {...control}
              type="password"
              name="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
      )}
      {available.length > 0 && (
        <div className="authgate-section__footer">
          {available.map((provider) => (
            <button key={provider.id} type="button" className="button button--secondary" onClick={() => void connect(provider)}>
              {translate(
                {
                  id: 'authgate.connected.connect',
                  message: 'Connect {provider}',
                  description: 'Button that connects a provider; {provider} is its name',
                },
                {provider: provider.name},
              )}
            </button>
          ))}
        </div>
      )}
    </>
  );
}

function connectedTitle(): string {
  return translate({id: 'authgate.connected.title', message: 'Connected accounts', description: 'Account section title'});
}

export default function ConnectedAccountsSection(): ReactNode {
  return (
    <Section
      title={connectedTitle()}
      summary={translate({
        id: 'authgate.connected.summary',
        message: 'Sign in with GitHub, Google or another provider.',
        description: 'Account section summary, under its title',
      })}>
      <ConnectedAccounts />
    </Section>
  );
}
