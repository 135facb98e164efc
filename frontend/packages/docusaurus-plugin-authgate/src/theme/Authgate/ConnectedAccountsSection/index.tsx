import {useEffect, useRef, useState} from 'react';
import type {ReactNode} from 'react';
import Translate, {translate} from '@docusaurus/Translate';
import {tryAgain} from '@theme/Authgate/useForm';
import FormAlert from '@theme/Authgate/FormAlert';
import ReauthPrompt, {useReauth} from '@theme/Authgate/ReauthPrompt';
import Section from '@theme/Authgate/Section';
import {formatDateTime, useLocale} from '@theme/Authgate/format';
import {useAuth} from 'docusaurus-plugin-authgate/client';
import type {IdentityInfo, Proof, ProviderInfo} from 'docusaurus-plugin-authgate/client';

/** The providers connected to the account, and the others to connect; loads when its section is opened. */
export function ConnectedAccounts(): ReactNode {
  const {listIdentities, listProviders, connectProvider, disconnectIdentity} = useAuth();
  const [identities, setIdentities] = useState<IdentityInfo[] | null>(null);
  const [providers, setProviders] = useState<ProviderInfo[]>([]);
  const reauth = useReauth();
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

  // both ask the one prompt for the password or a code, however recent the sign-in: a stolen session must neither
  // plant a way in nor cut one the reader relies on (ASVS 5.0 V6.2); a reader with neither proves it by a recent
  // sign-in, and the API then asks nothing
  const withProof = <T,>(action: string, call: (proof?: Proof) => Promise<T>) =>
    reauth.guard(action, call, 'connected', {typedProof: true});

  const connect = (provider: ProviderInfo) =>
    run(async () => {
      const action = translate(
        {
          id: 'authgate.connected.reauthConnect',
          message: 'connect {provider}',
          description: 'What the reader confirms with a password or code ("to {action}"); {provider} is its name',
        },
        {provider: provider.name},
      );
      const done = await withProof(action, (proof) => connectProvider(provider.id, proof));
      if (done) window.location.assign(done.value);
    });

  const disconnect = (identity: IdentityInfo) =>
    run(async () => {
      const action = translate(
        {
          id: 'authgate.connected.reauthDisconnect',
          message: 'disconnect {provider}',
          description: 'What the reader confirms with a password or code ("to {action}"); {provider} is its name',
        },
        {provider: identity.name},
      );
      const done = await withProof(action, (proof) => disconnectIdentity(identity.id, proof));
      if (!done) return;
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
      <ReauthPrompt reauth={reauth} at="connected" />
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
