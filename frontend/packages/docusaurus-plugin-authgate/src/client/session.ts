import {AuthError, codeMessage, errorFromResponse, networkError} from './errors';
import {type ChannelLike, type ChannelMessage, type LocksLike, openChannel, withLock} from './crossTab';
import {cloneTarget, drain, isProofRejection, withBearer} from './http';
import type {
  AuthResponseBody,
  AuthSnapshot,
  MeResponseBody,
  MfaChallengeBody,
  MfaMethod,
  ProfilePatch,
  SignInResult,
  SignUpData,
  TokenResponseBody,
  VerifyEmailResponseBody,
} from './types';

export interface AuthClientOptions {
  /** Origin of the authgate API, e.g. "http://localhost:8000". */
  apiBaseUrl: string;
  /** Refresh the access token this many seconds before it expires (default 60). */
  refreshLeewaySeconds?: number;
  /** Injected for tests; defaults to the global fetch at call time. */
  fetch?: typeof fetch;
  /** Injected for tests; defaults to Date.now. */
  now?: () => number;
  /** Injected for tests; `null` disables cross-tab locking. Defaults to navigator.locks when present. */
  locks?: LocksLike | null;
  /** Injected for tests; `null` disables cross-tab messages. Defaults to a BroadcastChannel when present. */
  createChannel?: ((name: string) => ChannelLike | null) | null;
}

const LOADING: AuthSnapshot = Object.freeze({status: 'loading', user: null, profile: null});
const SIGNED_OUT: AuthSnapshot = Object.freeze({status: 'signed-out', user: null, profile: null});

/** A token this close to its expiry is not used; a fresh one is fetched first. */
const MIN_REMAINING_MS = 10_000;

export function loadingSnapshot(): AuthSnapshot {
  return LOADING;
}

/** True when POST /auth/login answered a second-factor challenge instead of a session. */
export function isMfaChallenge(body: SignInResult | null | undefined): body is MfaChallengeBody {
  return Boolean(body && (body as Partial<MfaChallengeBody>).mfa_required === true);
}

/**
 * A second-factor challenge this tab holds between the password and the code. The token lives in memory only
 * (the API also sets it as an HttpOnly cookie, which is all a reader back from a provider has).
 */
export interface PendingChallenge {
  token: string;
  methods: MfaMethod[];
  /** Milliseconds since the epoch, on the client's clock. */
  expiresAt: number;
}

/** The session's primitives the API-area modules build on. */
export interface SessionApi {
  url(path: string): string;
  postPublic<T>(path: string, payload: unknown, credentials?: RequestCredentials): Promise<T>;
  getPublic<T>(path: string): Promise<T>;
  accountJson<T>(path: string, request: {method: string; body?: unknown}): Promise<T>;
  endSession(): void;
  reloadSession(): void;
  refreshUser(): Promise<void>;
  setToken(token: string, expiresInSeconds: number): void;
  status(): AuthSnapshot['status'];
  /** Email-verification tokens already sent, with their answer (a mailed token is single-use). */
  readonly verifications: Map<string, Promise<VerifyEmailResponseBody>>;
  /**
   * A public POST (the cookie goes along) whose AuthResponse starts a session, as sign-in does: the second
   * factor and the passkey sign-in. Tells the other tabs.
   */
  signInWith(path: string, payload: unknown): Promise<AuthResponseBody>;
  /** The second-factor challenge this tab holds, if any (set by a sign-in that answered one). */
  readonly challenge: {current: PendingChallenge | null};
  now(): number;
}

/**
 * Holds one browser tab's session: the access token (in memory only), the signed-in user and profile,
 * and the rules for refreshing the token. Framework-free; the React provider subscribes to it.
 *
 * Nothing here touches `window`, `navigator` or timers until `start()` runs (in an effect), so the
 * class is safe to construct during Docusaurus' static rendering.
 */
export class SessionClient {
  readonly apiBaseUrl: string;
  private readonly leewayMs: number;
  private readonly fetchOverride: typeof fetch | undefined;
  private readonly now: () => number;
  private readonly locksOption: LocksLike | null | undefined;
  private readonly createChannel: ((name: string) => ChannelLike | null) | null | undefined;

  private snapshot: AuthSnapshot = LOADING;
  private readonly listeners = new Set<() => void>();
  private accessToken: string | null = null;
  private expiresAt = 0;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private refreshing: Promise<string | null> | null = null;
  private sessionLoad: Promise<void> | null = null;
  private channel: ChannelLike | null = null;
  private started = false;
  /** Bumped whenever the session changes hands (sign-in, sign-out); late answers of older epochs are dropped. */
  private epoch = 0;
  /**
   * Email-verification tokens already sent, with their answer. A mailed token is single-use: React's
   * StrictMode (and a remount) runs the page's effect twice, and a second POST would consume nothing
   * and answer TOKEN_INVALID over the first one's success.
   */
  private readonly verifications = new Map<string, Promise<VerifyEmailResponseBody>>();
  /** The second-factor challenge of the last sign-in, until it is answered (memory only). */
  private readonly challenge: {current: PendingChallenge | null} = {current: null};

  /** What the API-area modules (recovery, account, providers) use of the session. Not public API. */
  protected readonly api: SessionApi = {
    url: (path) => this.url(path),
    postPublic: (path, payload, credentials) => this.postPublic(path, payload, credentials),
    getPublic: (path) => this.getPublic(path),
    accountJson: (path, request) => this.accountJson(path, request),
    endSession: () => this.endSession(),
    reloadSession: () => this.reloadSession(),
    refreshUser: () => this.refreshUser(),
    setToken: (token, expiresIn) => this.setToken(token, expiresIn),
    status: () => this.snapshot.status,
    verifications: this.verifications,
    signInWith: async (path, payload) => {
      const body = await this.postForSession(path, payload);
      if (isMfaChallenge(body)) throw new AuthError('A second factor is required.', 401, 'MFA_REQUIRED');
      this.broadcast({type: 'signed-in'});
      return body;
    },
    challenge: this.challenge,
    now: () => this.now(),
  };

  constructor(options: AuthClientOptions) {
    this.apiBaseUrl = options.apiBaseUrl.replace(/\/+$/, '');
    this.leewayMs = (options.refreshLeewaySeconds ?? 60) * 1000;
    this.fetchOverride = options.fetch;
    this.now = options.now ?? (() => Date.now());
    this.locksOption = options.locks;
    this.createChannel = options.createChannel;
  }

  // ---- store interface (useSyncExternalStore) ----

  getSnapshot = (): AuthSnapshot => this.snapshot;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  private setSnapshot(next: AuthSnapshot): void {
    this.snapshot = next;
    for (const listener of [...this.listeners]) listener();
  }

  // ---- lifecycle ----

  /** Opens the cross-tab channel and, the first time only, asks the API who is signed in (one GET /auth/me). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.channel = this.openChannel();
    if (this.channel) {
      this.channel.onmessage = (event) => this.onChannelMessage(event.data);
    }
    if (!this.sessionLoad) this.sessionLoad = this.loadSession();
    if (this.accessToken) this.scheduleRefresh();
  }

  /** Closes the channel and cancels the timer. The session itself is kept (React may start again). */
  stop(): void {
    this.started = false;
    this.channel?.close();
    this.channel = null;
    this.clearTimer();
  }

  // ---- public API ----

  /** URL of an API path, e.g. url('/auth/me'). */
  url(path: string): string {
    return `${this.apiBaseUrl}${path.startsWith('/') ? '' : '/'}${path}`;
  }

  /**
   * POST /auth/login. Resolves to the session's AuthResponse, or, for a reader with a second factor, to the
   * challenge (`mfa_required`): nobody is signed in yet, and the challenge is kept in memory for the code.
   */
  async signIn(email: string, password: string): Promise<SignInResult> {
    const body = await this.postForSession('/auth/login', {email, password});
    if (!isMfaChallenge(body)) this.broadcast({type: 'signed-in'});
    return body;
  }

  async signUp(data: SignUpData): Promise<AuthResponseBody> {
    const body = (await this.postForSession('/auth/signup', data)) as AuthResponseBody;
    this.broadcast({type: 'signed-in'});
    return body;
  }

  /** The second-factor challenge this tab holds (its methods and expiry; the token stays inside), or null. */
  pendingChallenge(): {methods: MfaMethod[]; expiresAt: number} | null {
    const pending = this.challenge.current;
    if (!pending) return null;
    if (this.now() >= pending.expiresAt) {
      this.challenge.current = null;
      return null;
    }
    return {methods: [...pending.methods], expiresAt: pending.expiresAt};
  }

  /** Ends the session here and in every other tab. Never throws: the local session is cleared regardless. */
  async signOut(): Promise<void> {
    const token = this.accessToken;
    this.epoch += 1;
    this.clearLocal();
    this.setSnapshot(SIGNED_OUT);
    this.broadcast({type: 'signed-out'});
    try {
      // Under the refresh lock, so a refresh in another tab cannot rotate the cookie mid-logout.
      const res = await this.withLock(() =>
        this.doFetch(this.url('/auth/logout'), {
          method: 'POST',
          credentials: 'include',
          headers: token ? {Authorization: `Bearer ${token}`} : {},
        }),
      );
      drain(res);
    } catch {
      // Offline: the local session is gone; the cookie expires on its own.
    }
  }

  /** PATCH /auth/me/profile with any subset of the profile fields. */
  async updateProfile(patch: ProfilePatch): Promise<MeResponseBody> {
    if (this.snapshot.status === 'signed-out') {
      throw new AuthError(codeMessage('NOT_AUTHENTICATED') ?? 'Not signed in', 401, 'NOT_AUTHENTICATED');
    }
    const res = await this.authFetch(this.url('/auth/me/profile'), {
      method: 'PATCH',
      headers: {'Content-Type': 'application/json', Accept: 'application/json'},
      body: JSON.stringify(patch),
    });
    if (!res.ok) throw await errorFromResponse(res);
    const body = (await res.json()) as MeResponseBody;
    if (this.snapshot.status === 'signed-in') {
      this.setSnapshot({status: 'signed-in', user: body.user, profile: body.profile});
    }
    this.broadcast({type: 'profile', body});
    return body;
  }

  /** Replaces the access token in memory, e.g. with the one POST /auth/change-password answers. */
  setAccessToken(token: string, expiresInSeconds: number): void {
    this.setToken(token, expiresInSeconds);
  }

  /**
   * fetch() with the reader's access token. Paths starting with "/" (or "//", "\") are sent to the API origin.
   * Gets a token first if there is none (POST /auth/refresh); on a 401 refreshes once — joining a
   * refresh already in flight — and retries once with the NEW token. A body that is a stream cannot
   * be sent twice; pass strings, FormData or Blobs.
   */
  async authFetch(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
    // Every string that starts with "/" or "\" (after the spaces and control characters URL parsers drop) is a path
    // on the API. Only "/x" used to be: "//host/x", "\\host" or " //host" went to fetch as they were, which resolves
    // them to another host, and the bearer token went along (attack pass).
    const target =
      typeof input === 'string' && /^[\u0000-\u0020]*[/\\]/.test(input)
        ? this.url(input.replace(/^[\u0000-\u0020]+/, ''))
        : input;
    const token = await this.getAccessToken();
    const first = await this.doFetch(cloneTarget(target), withBearer(target, init, token));
    if (first.status !== 401 || token === null) return first;
    // A 401 about the password or code the reader typed (change-password, change-email, delete, the second
    // factors) is not about the token: retrying would send the wrong proof twice and count two failed attempts.
    if (await isProofRejection(first)) return first;

    const fresh = await this.refreshAfterRejection(token);
    if (!fresh) return first;
    drain(first);
    return this.doFetch(cloneTarget(target), withBearer(target, init, fresh));
  }

  /**
   * A usable access token: the one in memory if it has life left, else a refreshed one;
   * null when nobody is signed in.
   */
  async getAccessToken(): Promise<string | null> {
    if (this.snapshot.status === 'loading' && this.sessionLoad) await this.sessionLoad;
    if (this.accessToken && this.now() < this.expiresAt - MIN_REMAINING_MS) return this.accessToken;
    if (this.snapshot.status !== 'signed-in') return null;
    return this.refresh();
  }

  /**
   * POST /auth/refresh. At most one in flight per tab (callers share the promise) and, where the
   * Web Locks API exists, one at a time across the site's tabs. Resolves to the new token, or null
   * when the API says the session is over (the tab is then signed out).
   */
  refresh(): Promise<string | null> {
    if (!this.refreshing) {
      const epoch = this.epoch;
      this.refreshing = this.withLock(() => this.doRefresh(epoch)).finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  // ---- internals ----

  private refreshAfterRejection(rejected: string): Promise<string | null> {
    // Another call already replaced the rejected token: use the new one, no second refresh.
    if (this.accessToken && this.accessToken !== rejected) return Promise.resolve(this.accessToken);
    if (this.accessToken === rejected) this.accessToken = null;
    return this.refresh();
  }

  private async doRefresh(epoch: number): Promise<string | null> {
    let res: Response;
    try {
      res = await this.doFetch(this.url('/auth/refresh'), {
        method: 'POST',
        credentials: 'include',
        headers: {Accept: 'application/json'},
      });
    } catch (cause) {
      throw networkError(cause);
    }
    if (epoch !== this.epoch) return this.accessToken;
    if (res.ok) {
      const body = (await res.json()) as TokenResponseBody;
      if (epoch !== this.epoch) return this.accessToken;
      this.setToken(body.access_token, body.expires_in);
      return body.access_token;
    }
    if (res.status === 401) {
      drain(res);
      // The refresh cookie is missing, expired, revoked or replayed: this tab's session is over.
      this.epoch += 1;
      this.clearLocal();
      this.setSnapshot(SIGNED_OUT);
      return null;
    }
    throw await errorFromResponse(res);
  }

  /**
   * An authenticated JSON call for the account routes. The cookie goes along (credentials: 'include')
   * so the API can tell which session is this browser's and can clear the cookie when it ends the session.
   */
  private async accountJson<T>(path: string, {method, body}: {method: string; body?: unknown}): Promise<T> {
    if (this.snapshot.status === 'signed-out') {
      throw new AuthError(codeMessage('NOT_AUTHENTICATED') ?? 'Not signed in', 401, 'NOT_AUTHENTICATED');
    }
    let res: Response;
    try {
      res = await this.authFetch(this.url(path), {
        method,
        credentials: 'include',
        headers:
          body === undefined
            ? {Accept: 'application/json'}
            : {'Content-Type': 'application/json', Accept: 'application/json'},
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (cause) {
      throw cause instanceof AuthError ? cause : networkError(cause);
    }
    if (!res.ok) throw await errorFromResponse(res);
    if (res.status === 204) {
      drain(res);
      return undefined as T;
    }
    return (await res.json()) as T;
  }

  /** A JSON POST that needs no session (the mailed-token routes). */
  private async postPublic<T>(path: string, payload: unknown, credentials?: RequestCredentials): Promise<T> {
    let res: Response;
    try {
      res = await this.doFetch(this.url(path), {
        method: 'POST',
        ...(credentials ? {credentials} : {}),
        headers: {'Content-Type': 'application/json', Accept: 'application/json'},
        body: JSON.stringify(payload),
      });
    } catch (cause) {
      throw networkError(cause);
    }
    if (!res.ok) throw await errorFromResponse(res);
    return (await res.json()) as T;
  }

  /** Answers of public GETs, kept for the life of the tab (the providers do not change while a page is open). */
  private readonly publicCache = new Map<string, Promise<unknown>>();

  /** A JSON GET that needs no session (the list of providers), asked once per tab; a failure is asked again. */
  private getPublic<T>(path: string): Promise<T> {
    let pending = this.publicCache.get(path) as Promise<T> | undefined;
    if (!pending) {
      pending = this.fetchPublic<T>(path);
      this.publicCache.set(path, pending);
      pending.catch(() => this.publicCache.delete(path));
    }
    return pending;
  }

  private async fetchPublic<T>(path: string): Promise<T> {
    let res: Response;
    try {
      res = await this.doFetch(this.url(path), {headers: {Accept: 'application/json'}});
    } catch (cause) {
      throw networkError(cause);
    }
    if (!res.ok) throw await errorFromResponse(res);
    return (await res.json()) as T;
  }

  /** The session ended on the server (sign out everywhere, account deleted): end it here and in other tabs. */
  private endSession(): void {
    this.epoch += 1;
    this.clearLocal();
    this.setSnapshot(SIGNED_OUT);
    this.broadcast({type: 'signed-out'});
  }

  /** Forget the token and ask the API again who is signed in (one GET /auth/me with the cookie). */
  private reloadSession(): void {
    this.epoch += 1;
    this.clearLocal();
    this.sessionLoad = this.loadSession();
  }

  /** After the reader's record changed elsewhere (email verified): re-read it and tell the other tabs. */
  private async refreshUser(): Promise<void> {
    if (this.snapshot.status === 'loading' && this.sessionLoad) await this.sessionLoad;
    if (this.snapshot.status !== 'signed-in') return;
    const epoch = this.epoch;
    try {
      const res = await this.doFetch(this.url('/auth/me'), {
        credentials: 'include',
        headers: {Accept: 'application/json'},
      });
      if (!res.ok) {
        drain(res);
        return;
      }
      const body = (await res.json()) as MeResponseBody;
      if (epoch !== this.epoch || this.snapshot.status !== 'signed-in') return;
      this.setSnapshot({status: 'signed-in', user: body.user, profile: body.profile ?? null});
      this.broadcast({type: 'profile', body});
    } catch {
      // Offline: the banner stays until the next page load asks again.
    }
  }

  private async loadSession(): Promise<void> {
    const epoch = this.epoch;
    let res: Response;
    try {
      res = await this.doFetch(this.url('/auth/me'), {
        credentials: 'include',
        headers: {Accept: 'application/json'},
      });
    } catch {
      if (epoch === this.epoch) this.setSnapshot(SIGNED_OUT);
      return;
    }
    if (epoch !== this.epoch) return;
    if (!res.ok) {
      drain(res);
      this.setSnapshot(SIGNED_OUT);
      return;
    }
    try {
      const body = (await res.json()) as MeResponseBody;
      if (epoch !== this.epoch) return;
      this.setSnapshot({status: 'signed-in', user: body.user, profile: body.profile ?? null});
    } catch {
      if (epoch === this.epoch) this.setSnapshot(SIGNED_OUT);
    }
  }

  private async postForSession(path: string, payload: unknown): Promise<SignInResult> {
    let res: Response;
    try {
      res = await this.doFetch(this.url(path), {
        method: 'POST',
        credentials: 'include',
        headers: {'Content-Type': 'application/json', Accept: 'application/json'},
        body: JSON.stringify(payload),
      });
    } catch (cause) {
      throw networkError(cause);
    }
    if (!res.ok) throw await errorFromResponse(res);
    const answer = (await res.json()) as SignInResult;
    if (isMfaChallenge(answer)) {
      // no session yet: the token waits here for the second factor
      this.challenge.current = {
        token: answer.challenge_token,
        methods: Array.isArray(answer.methods) ? answer.methods : [],
        expiresAt: this.now() + Math.max(0, Number(answer.expires_in) || 0) * 1000,
      };
      return answer;
    }
    const body = answer;
    this.challenge.current = null;
    this.epoch += 1;
    this.setToken(body.access_token, body.expires_in);
    this.setSnapshot({status: 'signed-in', user: body.user, profile: body.profile ?? null});
    return body;
  }

  private setToken(token: string, expiresInSeconds: number): void {
    this.accessToken = token;
    const lifetimeMs = Math.max(0, Number(expiresInSeconds) || 0) * 1000;
    this.expiresAt = this.now() + lifetimeMs;
    this.scheduleRefresh();
  }

  private scheduleRefresh(): void {
    this.clearTimer();
    if (!this.started || !this.accessToken) return;
    const remaining = this.expiresAt - this.now();
    // Shortly before expiry; for very short lifetimes, at half-life rather than in a tight loop.
    const delay = Math.max(remaining - this.leewayMs, remaining / 2, 1_000);
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.refresh().catch(() => {
        // Offline or API down: the next authFetch tries again.
      });
    }, delay);
  }

  private clearTimer(): void {
    if (this.refreshTimer !== undefined) clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
  }

  private clearLocal(): void {
    this.accessToken = null;
    this.expiresAt = 0;
    this.clearTimer();
  }

  private onChannelMessage(message: ChannelMessage | undefined): void {
    if (!message) return;
    if (message.type === 'signed-out') {
      if (this.snapshot.status === 'signed-out' && !this.accessToken) return;
      this.epoch += 1;
      this.clearLocal();
      this.setSnapshot(SIGNED_OUT);
    } else if (message.type === 'signed-in') {
      // Another tab signed in (maybe as someone else): our token, if any, is for the old session.
      this.epoch += 1;
      this.clearLocal();
      this.sessionLoad = this.loadSession();
    } else if (message.type === 'profile') {
      const {user, profile} = message.body;
      if (this.snapshot.status === 'signed-in' && this.snapshot.user?.id === user.id) {
        this.setSnapshot({status: 'signed-in', user, profile});
      }
    }
  }

  private broadcast(message: ChannelMessage): void {
    try {
      this.channel?.postMessage(message);
    } catch {
      // a closed channel: nothing to tell
    }
  }

  private openChannel(): ChannelLike | null {
    return openChannel(this.createChannel);
  }

  private withLock<T>(fn: () => Promise<T>): Promise<T> {
    return withLock(this.locksOption, fn);
  }

  private doFetch(input: RequestInfo | URL, init: RequestInit): Promise<Response> {
    const f = this.fetchOverride ?? globalThis.fetch;
    return f(input, init);
  }
}
