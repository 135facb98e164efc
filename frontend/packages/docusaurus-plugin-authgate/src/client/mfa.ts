/**
 * Second factors: the challenge step of signing in, the authenticator app (TOTP), backup codes, and
 * re-authentication before a sensitive change.
 */
import {AuthError} from './errors';
import type {SessionApi} from './session';
import type {AuthResponseBody, BackupCodesBody, MfaStatus, Proof, TokenResponseBody, TotpSetupBody} from './types';

/** Only the proof's filled-in fields go to the API (an empty body means "my sign-in is recent"). */
export function proofBody(proof: Proof = {}): Proof {
  const body: Proof = {};
  if (proof.password) body.password = proof.password;
  if (proof.code) body.code = proof.code.trim();
  return body;
}

/** A code as typed: an app code loses its spaces ("123 456"); a backup code is sent as typed, trimmed. */
export function normalizeCode(code: string): string {
  const trimmed = code.trim();
  return /^[\d\s]+$/.test(trimmed) ? trimmed.replace(/\s+/g, '') : trimmed;
}

/**
 * POST /auth/mfa/verify with a code of the authenticator app or a backup code. The challenge is the token this
 * tab kept from the password step, else (back from a provider) the `authgate_challenge` cookie that goes along.
 * Success starts the session as signing in does.
 */
export async function verifySecondFactor(api: SessionApi, code: string): Promise<AuthResponseBody> {
  const pending = api.challenge.current;
  const token = pending && api.now() < pending.expiresAt ? pending.token : undefined;
  try {
    return await api.signInWith('/auth/mfa/verify', {
      ...(token ? {challenge_token: token} : {}),
      code: normalizeCode(code),
    });
  } catch (err) {
    // expired, used, or dead after too many wrong codes: the reader signs in again
    if (err instanceof AuthError && err.code === 'CHALLENGE_INVALID') api.challenge.current = null;
    throw err;
  }
}

/** GET /auth/mfa: whether the app is on, backup codes left, passkeys, and how recent a sign-in counts as proof. */
export function getMfaStatus(api: SessionApi): Promise<MfaStatus> {
  return api.accountJson<MfaStatus>('/auth/mfa', {method: 'GET'});
}

/** POST /auth/mfa/totp/setup: a new key (not on until confirmed with a code). */
export function setupTotp(api: SessionApi, proof?: Proof): Promise<TotpSetupBody> {
  return api.accountJson<TotpSetupBody>('/auth/mfa/totp/setup', {method: 'POST', body: proofBody(proof)});
}

/** POST /auth/mfa/totp/confirm with a code of the app: two-step sign-in is on; the backup codes come once. */
export function confirmTotp(api: SessionApi, code: string): Promise<BackupCodesBody> {
  return api.accountJson<BackupCodesBody>('/auth/mfa/totp/confirm', {
    method: 'POST',
    body: {code: normalizeCode(code)},
  });
}

/** DELETE /auth/mfa/totp: the app is off and the backup codes go too. */
export async function disableTotp(api: SessionApi, proof?: Proof): Promise<void> {
  await api.accountJson<void>('/auth/mfa/totp', {method: 'DELETE', body: proofBody(proof)});
}

/** POST /auth/mfa/backup-codes: ten new codes; the old set stops working. */
export function regenerateBackupCodes(api: SessionApi, proof?: Proof): Promise<BackupCodesBody> {
  return api.accountJson<BackupCodesBody>('/auth/mfa/backup-codes', {method: 'POST', body: proofBody(proof)});
}

/**
 * POST /auth/reauthenticate with a password, a code or a passkey: a fresh access token with a new sign-in time,
 * which replaces ours, so the sensitive routes accept the next request without a proof.
 */
export async function reauthenticate(
  api: SessionApi,
  proof: Proof | {passkey: unknown},
): Promise<TokenResponseBody> {
  const body = await api.accountJson<TokenResponseBody>('/auth/reauthenticate', {
    method: 'POST',
    body: 'passkey' in proof ? proof : proofBody(proof),
  });
  api.setToken(body.access_token, body.expires_in);
  return body;
}
