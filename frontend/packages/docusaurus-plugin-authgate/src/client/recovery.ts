/** Recovery and verification: the mailed-link routes (forgot and reset password, verify email). */
import {AuthError} from './errors';
import type {SessionApi} from './session';
import type {DetailResponseBody, VerifyEmailResponseBody} from './types';

/** POST /auth/forgot-password. The API answers the same 202 for known and unknown addresses. */
export async function requestPasswordReset(api: SessionApi, email: string): Promise<DetailResponseBody> {
  return api.postPublic<DetailResponseBody>('/auth/forgot-password', {email});
}


/**
 * POST /auth/reset-password with the mailed token. The API revokes every session of that account and
 * does not sign in, so whatever session this tab believed in is checked again (one GET /auth/me).
 */
export async function resetPassword(api: SessionApi, token: string, newPassword: string): Promise<DetailResponseBody> {
  const body = await api.postPublic<DetailResponseBody>('/auth/reset-password', {token, new_password: newPassword});
  if (api.status() !== 'signed-out') api.reloadSession();
  return body;
}


/**
 * POST /auth/verify-email with the mailed token, at most once per token for the life of this tab.
 * When a reader is signed in here, their record is re-read (the address may have changed too).
 */
export function verifyEmail(api: SessionApi, token: string): Promise<VerifyEmailResponseBody> {
  let pending = api.verifications.get(token);
  if (!pending) {
    // The cookie goes along: completing an email change ends every other sign-in, and the API keeps the one
    // of this browser's cookie (a fresh access token comes with the next refresh).
    pending = api.postPublic<VerifyEmailResponseBody>('/auth/verify-email', {token}, 'include').then(
      async (body) => {
        await api.refreshUser();
        return body;
      },
      (err: unknown) => {
        // Offline, throttled or a server error: the token was not spent, so a retry may send it again.
        if (err instanceof AuthError && (err.status === 0 || err.status === 429 || err.status >= 500)) {
          api.verifications.delete(token);
        }
        throw err;
      },
    );
    api.verifications.set(token, pending);
  }
  return pending;
}


/** POST /auth/verify-email/resend: mails a new link to the reader's address. */
export async function resendVerification(api: SessionApi): Promise<DetailResponseBody> {
  return api.accountJson<DetailResponseBody>('/auth/verify-email/resend', {method: 'POST'});
}

