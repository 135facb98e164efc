import {useEffect, useRef, useState} from 'react';
import type {ReactNode} from 'react';
import Field from '@theme/Authgate/Field';
import FormAlert from '@theme/Authgate/FormAlert';
import Section from '@theme/Authgate/Section';
import {formatDateTime} from '@theme/Authgate/format';
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
        setAlert(err instanceof Error ? err.message : 'Could not load your connected accounts.');
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
      setAlert(err instanceof Error ? err.message : 'That did not work. Please try again.');
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
      await disconnectIdentity(identity.id, password || undefined);
      setIdentities((list) => (list ? list.filter((i) => i.id !== identity.id) : list));
      setNotice(`${identity.name} was disconnected.`);
    });

  if (identities === null) {
    return (
      <p className="authgate-section__text" aria-busy="true">
        Loading your connected accounts…
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
        <p className="authgate-section__text">No provider is connected to your account.</p>
      ) : (
        <ul className="authgate-list" aria-label="Connected accounts">
          {identities.map((identity) => (
            <li key={identity.id} className="authgate-list__item">
              <div className="authgate-list__main">
                <div className="authgate-list__title">{identity.name}</div>
                <div className="authgate-list__meta">
                  {identity.email ? `${identity.email} · ` : ''}connected{' '}
                  <time dateTime={identity.created_at}>{formatDateTime(identity.created_at)}</time>
                </div>
              </div>
              <button
                type="button"
                className="button button--sm button--secondary button--outline"
                aria-label={`Disconnect ${identity.name}`}
                onClick={() => void disconnect(identity)}>
                Disconnect
              </button>
            </li>
          ))}
        </ul>
      )}
      {(available.length > 0 || identities.length > 0) && (
        <Field
          id="authgate-connected-password"
          label="Your password"
          hint="Asked again before a change to how you sign in. Leave it empty if your account has no password.">
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
              Connect {provider.name}
            </button>
          ))}
        </div>
      )}
    </>
  );
}

export default function ConnectedAccountsSection(): ReactNode {
  return (
    <Section title="Connected accounts" summary="Sign in with GitHub, Google or another provider.">
      <ConnectedAccounts />
    </Section>
  );
}
