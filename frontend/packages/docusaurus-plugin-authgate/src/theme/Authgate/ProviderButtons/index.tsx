import {useEffect, useState} from 'react';
import type {ReactNode} from 'react';
import Translate, {translate} from '@docusaurus/Translate';
import {isErrorCode, useAuth} from 'docusaurus-plugin-authgate/client';
import type {ErrorCode, ProviderInfo} from 'docusaurus-plugin-authgate/client';

/** What the API's provider error codes (`/auth/login?error=CODE`) mean, in words (read when shown). */
export function providerErrors(): Partial<Record<ErrorCode, string>> {
  const d = 'Alert on the sign-in page when a provider sent the reader back without signing them in';
  return {
    OAUTH_STATE_INVALID: translate({id: 'authgate.providerError.OAUTH_STATE_INVALID', message: 'That sign-in could not be finished: it took too long, was already used, or was started in another browser. Please try again.', description: d}),
    OAUTH_ACCESS_DENIED: translate({id: 'authgate.providerError.OAUTH_ACCESS_DENIED', message: 'The sign-in was cancelled at the provider.', description: d}),
    OAUTH_PROVIDER_ERROR: translate({id: 'authgate.providerError.OAUTH_PROVIDER_ERROR', message: 'The provider could not be reached or its answer could not be trusted. Please try again later.', description: d}),
    OAUTH_EMAIL_REQUIRED: translate({id: 'authgate.providerError.OAUTH_EMAIL_REQUIRED', message: 'The provider did not share a verified email address, which this site needs to sign you in.', description: d}),
    OAUTH_LINK_REQUIRED: translate({id: 'authgate.providerError.OAUTH_LINK_REQUIRED', message: 'An account already uses this email address. Sign in to it as usual, then connect the provider on your account page.', description: d}),
    IDENTITY_IN_USE: translate({id: 'authgate.providerError.IDENTITY_IN_USE', message: 'That provider account is already connected to another account here.', description: d}),
    PROVIDER_NOT_FOUND: translate({id: 'authgate.providerError.PROVIDER_NOT_FOUND', message: 'This sign-in provider is not available.', description: d}),
    ACCOUNT_SUSPENDED: translate({id: 'authgate.providerError.ACCOUNT_SUSPENDED', message: 'This account is suspended.', description: d}),
    EMAIL_NOT_VERIFIED: translate({id: 'authgate.providerError.EMAIL_NOT_VERIFIED', message: 'Verify your email address to sign in.', description: d}),
    RATE_LIMITED: translate({id: 'authgate.providerError.RATE_LIMITED', message: 'Too many attempts. Please wait a moment and try again.', description: d}),
  };
}

export function providerErrorMessage(code: string | null): string | null {
  if (!code) return null;
  return (
    (isErrorCode(code) ? providerErrors()[code] : undefined) ??
    translate({
      id: 'authgate.providerError.other',
      message: 'Signing in with the provider failed. Please try again.',
      description: 'Alert on the sign-in page when a provider sign-in failed for an unknown reason',
    })
  );
}

export interface ProviderButtonsProps {
  /** Where the reader returns after signing in (a path on this site). */
  next: string;
  /** "Continue with {provider}" (default, translated) or another wording with a `{provider}` placeholder. */
  verb?: string;
  /** Another way in shown first in the same group (the sign-in page's "Sign in with a passkey"). */
  children?: ReactNode;
}

/** "Continue with GitHub / Google / …": one link per provider the API has enabled; nothing when there is none. */
export default function ProviderButtons({next, verb, children}: ProviderButtonsProps): ReactNode {
  const {listProviders, providerSignInUrl} = useAuth();
  const [providers, setProviders] = useState<ProviderInfo[]>([]);
  useEffect(() => {
    let live = true;
    listProviders().then(
      (list) => live && setProviders(list),
      () => live && setProviders([]),
    );
    return () => {
      live = false;
    };
  }, []);
  if (providers.length === 0 && !children) return null;
  return (
    <div className="authgate-providers">
      {children && <div className="authgate-providers__first">{children}</div>}
      {providers.length > 0 && (
        <ul
          className="authgate-providers__list"
          aria-label={translate({
            id: 'authgate.providers.label',
            message: 'Sign in with another account',
            description: 'Accessible name of the list of provider buttons (GitHub, Google, …)',
          })}>
          {providers.map((provider) => (
            <li key={provider.id}>
              {/* a full navigation: the API sends the browser on to the provider */}
              <a
                className="button button--secondary button--block authgate-providers__button"
                href={providerSignInUrl(provider.id, next)}>
                {verb
                  ? verb.includes('{provider}')
                    ? verb.replace('{provider}', provider.name)
                    : `${verb} ${provider.name}`
                  : translate(
                      {
                        id: 'authgate.providers.continueWith',
                        message: 'Continue with {provider}',
                        description: 'A provider sign-in button; {provider} is its name (GitHub, Google, …)',
                      },
                      {provider: provider.name},
                    )}
              </a>
            </li>
          ))}
        </ul>
      )}
      <p className="authgate-providers__or" aria-hidden="true">
        <Translate id="authgate.providers.or" description="Between the provider buttons and the email form">
          or
        </Translate>
      </p>
    </div>
  );
}
