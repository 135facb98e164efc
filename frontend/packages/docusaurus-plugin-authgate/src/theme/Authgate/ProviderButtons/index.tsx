import {useEffect, useState} from 'react';
import type {ReactNode} from 'react';
import {isErrorCode, useAuth} from 'docusaurus-plugin-authgate/client';
import type {ErrorCode, ProviderInfo} from 'docusaurus-plugin-authgate/client';

/** What the API's provider error codes (`/auth/login?error=CODE`) mean, in words. */
export const PROVIDER_ERRORS: Partial<Record<ErrorCode, string>> = {
  OAUTH_STATE_INVALID:
    'That sign-in could not be finished: it took too long, was already used, or was started in another browser. Please try again.',
  OAUTH_ACCESS_DENIED: 'The sign-in was cancelled at the provider.',
  OAUTH_PROVIDER_ERROR: 'The provider could not be reached or its answer could not be trusted. Please try again later.',
  OAUTH_EMAIL_REQUIRED: 'The provider did not share a verified email address, which this site needs to sign you in.',
  OAUTH_LINK_REQUIRED:
    'An account already uses this email address. Sign in to it as usual, then connect the provider on your account page.',
  IDENTITY_IN_USE: 'That provider account is already connected to another account here.',
  PROVIDER_NOT_FOUND: 'This sign-in provider is not available.',
  ACCOUNT_SUSPENDED: 'This account is suspended.',
  EMAIL_NOT_VERIFIED: 'Verify your email address to sign in.',
  RATE_LIMITED: 'Too many attempts. Please wait a moment and try again.',
};

export function providerErrorMessage(code: string | null): string | null {
  if (!code) return null;
  return (isErrorCode(code) ? PROVIDER_ERRORS[code] : undefined) ?? 'Signing in with the provider failed. Please try again.';
}

export interface ProviderButtonsProps {
  /** Where the reader returns after signing in (a path on this site). */
  next: string;
  /** "Continue with" (default) or another verb. */
  verb?: string;
  /** Another way in shown first in the same group (the sign-in page's "Sign in with a passkey"). */
  children?: ReactNode;
}

/** "Continue with GitHub / Google / …": one link per provider the API has enabled; nothing when there is none. */
export default function ProviderButtons({next, verb = 'Continue with', children}: ProviderButtonsProps): ReactNode {
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
        <ul className="authgate-providers__list" aria-label="Sign in with another account">
          {providers.map((provider) => (
            <li key={provider.id}>
              {/* a full navigation: the API sends the browser on to the provider */}
              <a
                className="button button--secondary button--block authgate-providers__button"
                href={providerSignInUrl(provider.id, next)}>
                {verb} {provider.name}
              </a>
            </li>
          ))}
        </ul>
      )}
      <p className="authgate-providers__or" aria-hidden="true">
        or
      </p>
    </div>
  );
}
