/** Passkeys: signing in with one, re-authenticating with one, and the reader's list (add, rename, remove). */
import {reauthenticate, proofBody} from './mfa';
import type {SessionApi} from './session';
import type {
  AuthResponseBody,
  PasskeyCreationOptionsJSON,
  PasskeyInfo,
  PasskeyRequestOptionsJSON,
  Proof,
  TokenResponseBody,
} from './types';
import {createPasskey, getPasskey} from './webauthn';
import type {GetPasskeyOptions} from './webauthn';

/** POST /auth/passkeys/authenticate/options: a challenge for any of the site's passkeys (discoverable). */
function authenticationOptions(api: SessionApi): Promise<{options: PasskeyRequestOptionsJSON}> {
  return api.postPublic<{options: PasskeyRequestOptionsJSON}>('/auth/passkeys/authenticate/options', {}, 'include');
}

/**
 * Signs in with a passkey (both factors at once): options, the browser's dialog (or, with
 * `mediation: 'conditional'`, the email field's autofill), then POST /auth/passkeys/authenticate.
 * Rejects with the browser's NotAllowedError/AbortError when the reader cancels or `signal` aborts.
 */
export async function signInWithPasskey(api: SessionApi, options: GetPasskeyOptions = {}): Promise<AuthResponseBody> {
  const {options: request} = await authenticationOptions(api);
  const credential = await getPasskey(request, options);
  return api.signInWith('/auth/passkeys/authenticate', {credential});
}

/** A passkey as proof before a sensitive change: POST /auth/reauthenticate {passkey}; the fresh token is kept. */
export async function reauthenticateWithPasskey(api: SessionApi): Promise<TokenResponseBody> {
  const {options: request} = await authenticationOptions(api);
  const passkey = await getPasskey(request);
  return reauthenticate(api, {passkey});
}

/** GET /auth/passkeys. */
export function listPasskeys(api: SessionApi): Promise<PasskeyInfo[]> {
  return api.accountJson<PasskeyInfo[]>('/auth/passkeys', {method: 'GET'});
}

/**
 * Adds a passkey: POST /auth/passkeys/register/options (a sensitive change: `proof` unless the sign-in is
 * recent), the browser creates it, POST /auth/passkeys/register with its JSON and a name.
 */
export async function addPasskey(api: SessionApi, name: string, proof?: Proof): Promise<PasskeyInfo> {
  const {options} = await api.accountJson<{options: PasskeyCreationOptionsJSON}>('/auth/passkeys/register/options', {
    method: 'POST',
    body: proofBody(proof),
  });
  const credential = await createPasskey(options);
  const trimmed = name.trim();
  return api.accountJson<PasskeyInfo>('/auth/passkeys/register', {
    method: 'POST',
    body: trimmed ? {credential, name: trimmed} : {credential},
  });
}

/** PATCH /auth/passkeys/{id} {name}. */
export function renamePasskey(api: SessionApi, id: string, name: string): Promise<PasskeyInfo> {
  return api.accountJson<PasskeyInfo>(`/auth/passkeys/${encodeURIComponent(id)}`, {
    method: 'PATCH',
    body: {name: name.trim()},
  });
}

/** DELETE /auth/passkeys/{id} (a sensitive change). */
export async function removePasskey(api: SessionApi, id: string, proof?: Proof): Promise<void> {
  await api.accountJson<void>(`/auth/passkeys/${encodeURIComponent(id)}`, {method: 'DELETE', body: proofBody(proof)});
}
