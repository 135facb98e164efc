/** Small HTTP helpers shared by the session and the API-area modules. */
import {isErrorCode} from './errors';
import type {ErrorCode} from './errors';

/**
 * Reads and drops the body of a response we do not use. Left unread, the browser keeps the request
 * open (and the page never reaches network idle) until the response is garbage-collected.
 */
export function drain(res: Response): void {
  res.text().catch(() => {
    // already read, or the connection dropped: nothing to release
  });
}

/** The 401 codes about a proof the reader gave (a password, an app or backup code, a passkey), not about the token. */
const PROOF_REJECTIONS = new Set<ErrorCode>(['INVALID_PASSWORD', 'INVALID_CODE', 'PASSKEY_INVALID']);

/** True when a 401's body carries one of those codes. Reads a copy; `res` stays unread. */
export async function isProofRejection(res: Response): Promise<boolean> {
  if (!(res.headers.get('Content-Type') ?? '').includes('json')) return false;
  try {
    const body = (await res.clone().json()) as {code?: unknown} | null;
    return isErrorCode(body?.code) && PROOF_REJECTIONS.has(body.code);
  } catch {
    return false;
  }
}

export function cloneTarget(target: RequestInfo | URL): RequestInfo | URL {
  return typeof Request !== 'undefined' && target instanceof Request ? target.clone() : target;
}

export function withBearer(target: RequestInfo | URL, init: RequestInit, token: string | null): RequestInit {
  const base =
    init.headers ?? (typeof Request !== 'undefined' && target instanceof Request ? target.headers : undefined);
  const headers = new Headers(base);
  if (token) headers.set('Authorization', `Bearer ${token}`);
  return {...init, headers};
}
