/** Sign-in through providers (GitHub, Google, OpenID): the list, the way there, and connected accounts. */
import {proofBody} from './mfa';
import type {SessionApi} from './session';
import type {IdentityInfo, Proof, ProviderInfo} from './types';

/** GET /auth/providers: the providers the API has enabled (none unless configured). */
export function listProviders(api: SessionApi): Promise<ProviderInfo[]> {
  return api.getPublic<ProviderInfo[]>('/auth/providers');
}

/**
 * Where the browser goes to sign in with a provider (a full navigation, not a fetch): the API answers with a
 * redirect to the provider, and the provider sends the reader back to the site at `next`, signed in.
 */
export function providerSignInUrl(api: SessionApi, providerId: string, next: string): string {
  return `${api.url(`/auth/oauth/${encodeURIComponent(providerId)}/authorize`)}?${new URLSearchParams({next})}`;
}

/** POST /auth/oauth/{id}/connect: the URL to send the browser to; the provider is connected when it comes back. */
export async function connectProvider(api: SessionApi, providerId: string, proof?: Proof): Promise<string> {
  const body = await api.accountJson<{authorize_url: string}>(
    `/auth/oauth/${encodeURIComponent(providerId)}/connect`,
    {method: 'POST', body: proofBody(proof)},
  );
  return body.authorize_url;
}

/** GET /auth/identities: the provider accounts connected to the reader's account. */
export function listIdentities(api: SessionApi): Promise<IdentityInfo[]> {
  return api.accountJson<IdentityInfo[]>('/auth/identities', {method: 'GET'});
}

/** DELETE /auth/identities/{id}: refused with LAST_WAY_IN when it would leave the reader no way to sign in. */
export async function disconnectIdentity(api: SessionApi, identityId: string, proof?: Proof): Promise<void> {
  await api.accountJson<void>(`/auth/identities/${encodeURIComponent(identityId)}`, {
    method: 'DELETE',
    body: proofBody(proof),
  });
}
