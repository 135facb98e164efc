/** Cross-tab coordination: one refresh at a time across the site's tabs (Web Locks), and sign-in, sign-out and
 * profile changes told to the other tabs (BroadcastChannel). Tokens never travel between tabs. */
import type {MeResponseBody} from './types';

export const REFRESH_LOCK_NAME = 'authgate-refresh';
export const CHANNEL_NAME = 'authgate';

/** Messages other tabs of the same site receive. Tokens never travel over the channel. */
export type ChannelMessage =
  | {type: 'signed-out'}
  | {type: 'signed-in'}
  | {type: 'profile'; body: MeResponseBody};

export interface ChannelLike {
  postMessage(message: ChannelMessage): void;
  close(): void;
  onmessage: ((event: MessageEvent<ChannelMessage>) => void) | null;
}

export interface LocksLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

/** The channel to the other tabs: injected (tests; `null` = none), else a BroadcastChannel where there is one. */
export function openChannel(create: ((name: string) => ChannelLike | null) | null | undefined): ChannelLike | null {
  if (create !== undefined) return create ? create(CHANNEL_NAME) : null;
  if (typeof BroadcastChannel === 'undefined') return null;
  return new BroadcastChannel(CHANNEL_NAME) as unknown as ChannelLike;
}

/** Runs `fn` holding the site-wide refresh lock where the Web Locks API exists (injected `null` = no lock). */
export function withLock<T>(option: LocksLike | null | undefined, fn: () => Promise<T>): Promise<T> {
  let locks = option;
  if (locks === undefined) {
    const nav = typeof navigator !== 'undefined' ? (navigator as Navigator & {locks?: LocksLike}) : undefined;
    locks = nav?.locks && typeof nav.locks.request === 'function' ? nav.locks : null;
  }
  if (!locks) return fn();
  return locks.request(REFRESH_LOCK_NAME, () => fn());
}
