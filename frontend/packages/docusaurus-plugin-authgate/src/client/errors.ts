import {translate} from '@docusaurus/Translate';
import codeTranslations from '@generated/codeTranslations';
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

/** Words per HTTP status, for an error without a code the kit knows (read when needed: the locale's translations). */
function genericMessage(status: number): string | undefined {
  const d = 'An error from the sign-in service that carries no known code';
  switch (status) {
    case 401:
      return translate({id: 'authgate.http.401', message: 'You are not signed in.', description: d});
    case 403:
      return translate({id: 'authgate.http.403', message: 'This request was refused.', description: d});
    case 404:
      return translate({id: 'authgate.http.404', message: 'The sign-in service could not find this address.', description: d});
    case 429:
      return translate({id: 'authgate.http.429', message: 'Too many attempts. Please wait a moment and try again.', description: d});
    case 503:
      return translate({
        id: 'authgate.http.503',
        message: 'The sign-in service is unavailable. Please try again shortly.',
        description: d,
      });
    default:
      return undefined;
  }
}

/**
 * The kit's own words for the codes of second factors and passkeys: the same code reads the same on every page
 * that can meet it, in every locale.
 */
/** The codes the kit always words itself (the API's `detail` is never shown for them). */
type OwnCode = Extract<
  ErrorCode,
  | 'INVALID_CODE'
  | 'CHALLENGE_INVALID'
  | 'TWO_FACTOR_ALREADY_ON'
  | 'TWO_FACTOR_NOT_ON'
  | 'PASSKEY_NOT_FOUND'
  | 'PASSKEY_INVALID'
  | 'RECENT_SIGN_IN_REQUIRED'
>;

function ownMessages(): Record<OwnCode, string> {
  const d = 'An error shown to the reader; the kit always uses these words for this API error code';
  return {
    INVALID_CODE: translate({id: 'authgate.error.INVALID_CODE', message: 'That code is not right. Check it and try again.', description: d}),
    CHALLENGE_INVALID: translate({id: 'authgate.error.CHALLENGE_INVALID', message: 'This sign-in has expired or was already finished. Please sign in again.', description: d}),
    TWO_FACTOR_ALREADY_ON: translate({id: 'authgate.error.TWO_FACTOR_ALREADY_ON', message: 'Two-step sign-in is already on.', description: d}),
    TWO_FACTOR_NOT_ON: translate({id: 'authgate.error.TWO_FACTOR_NOT_ON', message: 'Two-step sign-in is not on.', description: d}),
    PASSKEY_NOT_FOUND: translate({id: 'authgate.error.PASSKEY_NOT_FOUND', message: 'That passkey is not one of yours (it may have been removed already).', description: d}),
    PASSKEY_INVALID: translate({id: 'authgate.error.PASSKEY_INVALID', message: 'That passkey could not be checked. Please try again, or use another way to sign in.', description: d}),
    RECENT_SIGN_IN_REQUIRED: translate({id: 'authgate.error.RECENT_SIGN_IN_REQUIRED', message: 'Please confirm it is you first.', description: d}),
  };
}

/**
 * Words for every other stable API code (typed by the generated ErrorCode: a code the API adds or drops fails the
 * type check here until it has words, or loses them). The server's `detail` (English, often more precise) is shown unless the
 * site has a message for the code (its code.json for the locale, or the plugin's `messages` option); these
 * defaults are shown only when the server sent no detail.
 */
function detailMessages(): Record<Exclude<ErrorCode, OwnCode>, string> {
  const d = 'An error shown to the reader for this API error code (instead of the server\'s English detail)';
  return {
    VALIDATION_ERROR: translate({id: 'authgate.error.VALIDATION_ERROR', message: 'Some of the details are not valid. Check them and try again.', description: d}),
    PASSWORD_TOO_WEAK: translate({id: 'authgate.error.PASSWORD_TOO_WEAK', message: 'This password is too weak. Choose a longer one that is hard to guess.', description: d}),
    EMAIL_ALREADY_EXISTS: translate({id: 'authgate.error.EMAIL_ALREADY_EXISTS', message: 'An account with this email already exists', description: d}),
    INVALID_CREDENTIALS: translate({id: 'authgate.error.INVALID_CREDENTIALS', message: 'Invalid email or password', description: d}),
    ACCOUNT_SUSPENDED: translate({id: 'authgate.error.ACCOUNT_SUSPENDED', message: 'This account is suspended.', description: d}),
    NOT_AUTHENTICATED: translate({id: 'authgate.error.NOT_AUTHENTICATED', message: 'You are not signed in.', description: d}),
    INVALID_TOKEN: translate({id: 'authgate.error.INVALID_TOKEN', message: 'Your session has expired. Please sign in again.', description: d}),
    REFRESH_TOKEN_INVALID: translate({id: 'authgate.error.REFRESH_TOKEN_INVALID', message: 'Your session has expired. Please sign in again.', description: d}),
    REFRESH_TOKEN_REUSED: translate({id: 'authgate.error.REFRESH_TOKEN_REUSED', message: 'This session was stopped for your safety. Please sign in again.', description: d}),
    ORIGIN_NOT_ALLOWED: translate({id: 'authgate.error.ORIGIN_NOT_ALLOWED', message: 'This site is not allowed to use the sign-in service.', description: d}),
    PAYLOAD_TOO_LARGE: translate({id: 'authgate.error.PAYLOAD_TOO_LARGE', message: 'What you sent is too large.', description: d}),
    UNSUPPORTED_MEDIA_TYPE: translate({id: 'authgate.error.UNSUPPORTED_MEDIA_TYPE', message: 'The sign-in service could not read this request.', description: d}),
    SERVICE_UNAVAILABLE: translate({id: 'authgate.error.SERVICE_UNAVAILABLE', message: 'The sign-in service is unavailable. Please try again shortly.', description: d}),
    NOT_FOUND: translate({id: 'authgate.error.NOT_FOUND', message: 'The sign-in service could not find this address.', description: d}),
    RATE_LIMITED: translate({id: 'authgate.error.RATE_LIMITED', message: 'Too many attempts. Please wait a moment and try again.', description: d}),
    PASSWORD_RESET_REQUIRED: translate({id: 'authgate.error.PASSWORD_RESET_REQUIRED', message: 'Too many failed sign-ins. Reset your password to sign in again.', description: d}),
    TOKEN_INVALID: translate({id: 'authgate.error.TOKEN_INVALID', message: 'This link is invalid or has expired', description: d}),
    EMAIL_NOT_VERIFIED: translate({id: 'authgate.error.EMAIL_NOT_VERIFIED', message: 'Please verify your email address first.', description: d}),
    INVALID_PASSWORD: translate({id: 'authgate.error.INVALID_PASSWORD', message: 'The password is incorrect', description: d}),
    SESSION_NOT_FOUND: translate({id: 'authgate.error.SESSION_NOT_FOUND', message: 'That device is already signed out.', description: d}),
    BAD_REQUEST: translate({id: 'authgate.error.BAD_REQUEST', message: 'The sign-in service could not read this request.', description: d}),
    METHOD_NOT_ALLOWED: translate({id: 'authgate.error.METHOD_NOT_ALLOWED', message: 'The sign-in service could not read this request.', description: d}),
    INTERNAL_ERROR: translate({id: 'authgate.error.INTERNAL_ERROR', message: 'Something went wrong on our side. Please try again.', description: d}),
    REQUEST_TIMEOUT: translate({id: 'authgate.error.REQUEST_TIMEOUT', message: 'The sign-in service took too long to answer. Please try again.', description: d}),
    PROVIDER_NOT_FOUND: translate({id: 'authgate.error.PROVIDER_NOT_FOUND', message: 'That sign-in provider is not available.', description: d}),
    OAUTH_STATE_INVALID: translate({id: 'authgate.error.OAUTH_STATE_INVALID', message: 'That sign-in took too long or was started elsewhere. Please try again.', description: d}),
    OAUTH_ACCESS_DENIED: translate({id: 'authgate.error.OAUTH_ACCESS_DENIED', message: 'The sign-in was cancelled at the provider.', description: d}),
    OAUTH_PROVIDER_ERROR: translate({id: 'authgate.error.OAUTH_PROVIDER_ERROR', message: 'The provider could not sign you in. Please try again.', description: d}),
    OAUTH_EMAIL_REQUIRED: translate({id: 'authgate.error.OAUTH_EMAIL_REQUIRED', message: 'The provider did not share a verified email address.', description: d}),
    OAUTH_LINK_REQUIRED: translate({id: 'authgate.error.OAUTH_LINK_REQUIRED', message: 'An account already uses this email address. Sign in with it first, then connect the provider from your account page.', description: d}),
    IDENTITY_IN_USE: translate({id: 'authgate.error.IDENTITY_IN_USE', message: 'That provider account is already connected to another account.', description: d}),
    IDENTITY_NOT_FOUND: translate({id: 'authgate.error.IDENTITY_NOT_FOUND', message: 'That connected account is already gone.', description: d}),
    LAST_WAY_IN: translate({id: 'authgate.error.LAST_WAY_IN', message: 'This is your last way to sign in. Set a password or connect another provider first.', description: d}),
    CONTENT_NOT_FOUND: translate({id: 'authgate.error.CONTENT_NOT_FOUND', message: 'This members-only part is not available right now.', description: d}),
    CONTENT_NOT_ADMITTED: translate({id: 'authgate.error.CONTENT_NOT_ADMITTED', message: 'This part is not for your profile.', description: d}),
    PROFILE_REQUIRED: translate({id: 'authgate.error.PROFILE_REQUIRED', message: 'Complete your profile to read this part.', description: d}),
    LEVEL_NOT_ADMITTED: translate({id: 'authgate.error.LEVEL_NOT_ADMITTED', message: 'This part is not for your profile: it is written for readers of another experience level.', description: d}),
    ROLE_NOT_ADMITTED: translate({id: 'authgate.error.ROLE_NOT_ADMITTED', message: 'This part is not for your profile: it is written for readers in another role.', description: d}),
  };
}

/** The reader's words for an API error code, or undefined for a code this kit does not know. */
export function codeMessage(code: string, detail?: string): string | undefined {
  if (!isErrorCode(code)) return undefined;
  const own: Partial<Record<ErrorCode, string>> = ownMessages();
  if (own[code] !== undefined) return own[code];
  const words = detailMessages()[code as Exclude<ErrorCode, OwnCode>];
  // a translation given by the site wins; else the server's detail; else the kit's default words
  return codeTranslations[`authgate.error.${code}`] !== undefined ? words : (detail ?? words);
}

/** What a browser's passkey dialog answers when the reader closes it, it times out, or it is aborted. */
export function passkeyCancelledMessage(): string {
  return translate({
    id: 'authgate.passkey.cancelled',
    message: 'The passkey request was cancelled or timed out.',
    description: 'Shown when the reader closes the passkey dialog or it times out',
  });
}

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
    (code ? codeMessage(code, detail) : undefined) ??
    detail ??
    genericMessage(res.status) ??
    translate(
      {
        id: 'authgate.http.other',
        message: 'Something went wrong (HTTP {status}). Please try again.',
        description: 'An error from the sign-in service with no words of its own; {status} is the HTTP status',
      },
      {status: String(res.status)},
    );
  return new AuthError(message, res.status, code);
}

export function networkError(cause: unknown): AuthError {
  const message = translate({
    id: 'authgate.error.NETWORK_ERROR',
    message: 'Could not reach the sign-in service. Check your connection and try again.',
    description: 'Shown when the browser could not reach the sign-in service at all',
  });
  const err = new AuthError(message, 0, 'NETWORK_ERROR');
  (err as Error & {cause?: unknown}).cause = cause;
  return err;
}
