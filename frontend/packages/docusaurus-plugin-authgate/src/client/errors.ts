import {ERROR_CODES} from './generated/errorCodes';
import type {ErrorCode} from './generated/errorCodes';

export {ERROR_CODES};
export type {ErrorCode};

/**
 * The kit's own codes, never sent by the API: NETWORK_ERROR (the request got no answer), MFA_REQUIRED (a sign-in
 * that answered a second-factor challenge where only a session would do).
 */
export const KIT_ERROR_CODES = ['NETWORK_ERROR', 'MFA_REQUIRED'] as const;
export type KitErrorCode = (typeof KIT_ERROR_CODES)[number];

/** The code of an AuthError: one the API documents (ERROR_CODES, generated from its OpenAPI document), or the kit's. */
export type AuthErrorCode = ErrorCode | KitErrorCode;

const KNOWN_CODES: ReadonlySet<string> = new Set(ERROR_CODES);

/** True for a code the API documents; comparing `err.code` with a code it does not know fails the type check. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && KNOWN_CODES.has(value);
}

/**
 * An error answered by the API (or a network failure), carrying the API's readable `detail`. `code` is undefined
 * for an answer without one, or with a code this version of the kit does not know (a newer API): the message is
 * still the API's `detail`.
 */
export class AuthError extends Error {
  readonly status: number;
  readonly code: AuthErrorCode | undefined;

  constructor(message: string, status: number, code?: AuthErrorCode) {
    super(message);
    this.name = 'AuthError';
    this.status = status;
    this.code = code;
  }
}

const GENERIC: Record<number, string> = {
  401: 'You are not signed in.',
  403: 'This request was refused.',
  404: 'The sign-in service could not find this address.',
  429: 'Too many attempts. Please wait a moment and try again.',
  503: 'The sign-in service is unavailable. Please try again shortly.',
};

/**
 * The kit's own words for the codes of second factors and passkeys (the API's `detail` for every other code):
 * the same code reads the same on every page that can meet it.
 */
export const CODE_MESSAGES: Partial<Record<ErrorCode, string>> = {
  INVALID_CODE: 'That code is not right. Check it and try again.',
  CHALLENGE_INVALID: 'This sign-in has expired or was already finished. Please sign in again.',
  TWO_FACTOR_ALREADY_ON: 'Two-step sign-in is already on.',
  TWO_FACTOR_NOT_ON: 'Two-step sign-in is not on.',
  PASSKEY_NOT_FOUND: 'That passkey is not one of yours (it may have been removed already).',
  PASSKEY_INVALID: 'That passkey could not be checked. Please try again, or use another way to sign in.',
  RECENT_SIGN_IN_REQUIRED: 'Please confirm it is you first.',
};

/** What a browser's passkey dialog answers when the reader closes it, it times out, or it is aborted. */
export const PASSKEY_CANCELLED = 'The passkey request was cancelled or timed out.';

/** Reads `{detail, code}` from an error response; never throws. */
export async function errorFromResponse(res: Response): Promise<AuthError> {
  let detail: string | undefined;
  let code: ErrorCode | undefined;
  try {
    const body: unknown = await res.json();
    if (body && typeof body === 'object') {
      const b = body as {detail?: unknown; code?: unknown};
      if (typeof b.detail === 'string') detail = b.detail;
      else if (Array.isArray(b.detail)) {
        // FastAPI's default 422 shape, in case a route answers with it.
        const first = b.detail[0] as {msg?: unknown} | undefined;
        if (first && typeof first.msg === 'string') detail = first.msg;
      }
      if (isErrorCode(b.code)) code = b.code;
    }
  } catch {
    // not JSON: fall through to a generic message
  }
  const message =
    (code ? CODE_MESSAGES[code] : undefined) ?? detail ?? GENERIC[res.status] ?? `Something went wrong (HTTP ${res.status}). Please try again.`;
  return new AuthError(message, res.status, code);
}

export function networkError(cause: unknown): AuthError {
  const err = new AuthError(
    'Could not reach the sign-in service. Check your connection and try again.',
    0,
    'NETWORK_ERROR',
  );
  (err as Error & {cause?: unknown}).cause = cause;
  return err;
}
