/**
 * A small in-memory authgate API behind a fetch() function: the network boundary of the unit tests.
 * It follows docs/api-contract.md closely enough to catch client mistakes: the refresh cookie is only
 * sent with `credentials: 'include'`, refresh tokens rotate and a replayed one revokes the session,
 * access tokens expire on the fake clock.
 */

export interface Call {
  method: string;
  path: string;
  authorization: string | null;
  credentials: RequestCredentials | undefined;
  body: unknown;
}

interface Account {
  user: {
    id: string;
    email: string;
    is_active: boolean;
    is_verified: boolean;
    created_at: string;
    last_login_at: string | null;
  };
  password: string;
  profile: {
    experience_level: string;
    professional_role: string;
    role_other: string | null;
    organization: string | null;
    created_at: string;
    updated_at: string;
  };
}

const PROFILE_FIELDS = ['experience_level', 'professional_role', 'role_other', 'organization'] as const;

export function createFakeApi({now = () => Date.now(), accessTtlSeconds = 1800} = {}) {
  const accounts = new Map<string, Account>();
  const refreshTokens = new Map<string, {email: string; used: boolean}>();
  const accessTokens = new Map<string, {email: string; exp: number}>();
  /** The browser's cookie for the API origin (HttpOnly, so only the fake "browser" sees it). */
  let cookie: string | null = null;
  const calls: Call[] = [];
  let counter = 0;
  /** While set, /auth/refresh waits for this promise before answering. */
  let refreshGate: Promise<void> | null = null;

  const json = (status: number, body?: unknown) =>
    new Response(body === undefined ? null : JSON.stringify(body), {
      status,
      headers: body === undefined ? {} : {'Content-Type': 'application/json'},
    });
  const error = (status: number, detail: string, code: string) => json(status, {detail, code});

  function issueSession(email: string) {
    counter += 1;
    const refresh = `rt-${counter}`;
    refreshTokens.set(refresh, {email, used: false});
    cookie = refresh;
    return issueAccess(email);
  }

  function issueAccess(email: string) {
    counter += 1;
    const token = `at-${counter}`;
    accessTokens.set(token, {email, exp: now() + accessTtlSeconds * 1000});
    return {access_token: token, token_type: 'bearer', expires_in: accessTtlSeconds};
  }

  function bearerAccount(authorization: string | null): Account | null {
    const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : null;
    if (!token) return null;
    const entry = accessTokens.get(token);
    if (!entry || entry.exp <= now()) return null;
    return accounts.get(entry.email) ?? null;
  }

  function cookieAccount(sendCookie: boolean): Account | null {
    if (!sendCookie || !cookie) return null;
    const entry = refreshTokens.get(cookie);
    if (!entry || entry.used) return null;
    return accounts.get(entry.email) ?? null;
  }

  function addUser(email: string, password: string, profile: Partial<Account['profile']> = {}): Account {
    counter += 1;
    const stamp = new Date(now()).toISOString();
    const account: Account = {
      user: {id: `u-${counter}`, email, is_active: true, is_verified: false, created_at: stamp, last_login_at: null},
      password,
      profile: {
        experience_level: 'beginner',
        professional_role: 'student',
        role_other: null,
        organization: null,
        created_at: stamp,
        updated_at: stamp,
        ...profile,
      },
    };
    accounts.set(email, account);
    return account;
  }

  async function handle(method: string, path: string, headers: Headers, sendCookie: boolean, body: unknown) {
    const authorization = headers.get('Authorization');
    if (method === 'POST' && path === '/auth/login') {
      const {email, password} = body as {email: string; password: string};
      const account = accounts.get(String(email).toLowerCase());
      if (!account || account.password !== password) {
        return error(401, 'Invalid email or password', 'INVALID_CREDENTIALS');
      }
      return json(200, {...issueSession(account.user.email), user: account.user, profile: account.profile});
    }
    if (method === 'POST' && path === '/auth/signup') {
      const data = body as Record<string, string | null>;
      const email = String(data.email).toLowerCase();
      if (accounts.has(email)) return error(409, 'An account with this email already exists', 'EMAIL_ALREADY_EXISTS');
      if (String(data.password).length < 8) {
        return error(422, 'Password must be at least 8 characters long', 'PASSWORD_TOO_WEAK');
      }
      const account = addUser(email, String(data.password), {
        experience_level: String(data.experience_level),
        professional_role: String(data.professional_role),
        role_other: data.role_other || null,
        organization: data.organization || null,
      });
      return json(201, {...issueSession(email), user: account.user, profile: account.profile});
    }
    if (method === 'POST' && path === '/auth/refresh') {
      if (refreshGate) await refreshGate;
      if (!sendCookie || !cookie) return error(401, 'Refresh token missing', 'REFRESH_TOKEN_INVALID');
      const entry = refreshTokens.get(cookie);
      if (!entry) return error(401, 'Refresh token invalid', 'REFRESH_TOKEN_INVALID');
      if (entry.used) {
        for (const e of refreshTokens.values()) if (e.email === entry.email) e.used = true;
        cookie = null;
        return error(401, 'Refresh token reused', 'REFRESH_TOKEN_REUSED');
      }
      entry.used = true;
      counter += 1;
      const rotated = `rt-${counter}`;
      refreshTokens.set(rotated, {email: entry.email, used: false});
      cookie = rotated;
      return json(200, issueAccess(entry.email));
    }
    if (method === 'POST' && path === '/auth/logout') {
      if (sendCookie && cookie) {
        const entry = refreshTokens.get(cookie);
        if (entry) for (const e of refreshTokens.values()) if (e.email === entry.email) e.used = true;
      }
      if (sendCookie) cookie = null;
      return json(204);
    }
    if (method === 'GET' && path === '/auth/me') {
      const account = bearerAccount(authorization) ?? cookieAccount(sendCookie);
      if (!account) return error(401, 'Not authenticated', 'NOT_AUTHENTICATED');
      return json(200, {user: account.user, profile: account.profile});
    }
    if (method === 'PATCH' && path === '/auth/me/profile') {
      const account = bearerAccount(authorization) ?? cookieAccount(sendCookie);
      if (!account) return error(401, 'Not authenticated', 'NOT_AUTHENTICATED');
      const patch = body as Record<string, string | null>;
      for (const field of PROFILE_FIELDS) {
        if (field in patch) (account.profile as Record<string, unknown>)[field] = patch[field] || null;
      }
      if (account.profile.professional_role === 'other' && !account.profile.role_other) {
        return error(422, 'role_other is required when professional_role is "other"', 'VALIDATION_ERROR');
      }
      account.profile.updated_at = new Date(now()).toISOString();
      return json(200, {user: account.user, profile: account.profile});
    }
    if (path === '/api/notes') {
      const account = bearerAccount(authorization);
      if (!account) return error(401, 'Invalid or expired token', 'INVALID_TOKEN');
      return json(200, {owner: account.user.email, notes: []});
    }
    return error(404, 'Not found', 'NOT_FOUND');
  }

  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const method = (init.method ?? 'GET').toUpperCase();
    const headers = new Headers(init.headers);
    let body: unknown = undefined;
    if (typeof init.body === 'string') body = JSON.parse(init.body);
    calls.push({method, path: url.pathname, authorization: headers.get('Authorization'), credentials: init.credentials, body});
    await Promise.resolve();
    return handle(method, url.pathname, headers, init.credentials === 'include', body);
  };

  return {
    fetch: fetch as typeof globalThis.fetch,
    calls,
    addUser,
    accounts,
    /** Signs the fake browser in as `email`: the cookie jar now holds a valid refresh token. */
    giveCookie(email: string) {
      issueSession(email);
    },
    setCookie(value: string | null) {
      cookie = value;
    },
    get cookie() {
      return cookie;
    },
    /** The server forgets every access token it issued (as if they expired), the client does not know. */
    expireAccessTokens() {
      accessTokens.clear();
    },
    holdRefresh(): () => void {
      let release!: () => void;
      refreshGate = new Promise<void>((resolve) => {
        release = () => {
          refreshGate = null;
          resolve();
        };
      });
      return release;
    },
    callsTo(path: string) {
      return calls.filter((c) => c.path === path);
    },
    authCalls() {
      return calls.filter((c) => c.path.startsWith('/auth/'));
    },
  };
}

export type FakeApi = ReturnType<typeof createFakeApi>;
