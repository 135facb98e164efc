/**
 * A small in-memory authgate API behind a fetch() function: the network boundary of the unit tests.
 * It follows docs/api-contract.md closely enough to catch client mistakes: the refresh cookie is only
 * sent with `credentials: 'include'`, refresh tokens rotate and a replayed one revokes the session,
 * access tokens expire on the fake clock, mailed tokens are single-use, and the account-lifecycle
 * routes revoke what the contract says they revoke. "Mail" lands in `mails`.
 *
 * Second factors: `enableTotp(email)` turns the app on (its code is always `TOTP_CODE`); sign-in then answers a
 * challenge (token in the body and in the `authgate_challenge` cookie). Sensitive routes want a password, a code
 * or a sign-in at most 10 minutes old on the fake clock. Passkeys are matched by the credential's `id`.
 *
 * Typed against the API's generated contract (src/client/generated, `make contract`): every answer goes through
 * `reply('POST /auth/login', 200, body)`, whose body must be the schema the OpenAPI document gives that route and
 * status, every request body is read as that route's request schema, and every error code is one the API documents.
 * A change of the API that this fake (and so the kit's tests) does not follow fails the type check.
 */
import type {components, paths} from '../src/client/generated/api';
import type {ErrorCode} from '../src/client/generated/errorCodes';

type Schemas = components['schemas'];
type Method = 'get' | 'post' | 'patch' | 'delete';
/** `METHOD /path` of every operation of the API, e.g. `'PATCH /auth/me/profile'`. */
type Route = {
  [P in keyof paths]: {[M in Method]: paths[P][M] extends undefined ? never : `${Uppercase<M>} ${P & string}`}[Method];
}[keyof paths];
type OperationOf<R extends Route> = R extends `${infer M} ${infer P}`
  ? P extends keyof paths
    ? Lowercase<M> extends keyof paths[P]
      ? NonNullable<paths[P][Lowercase<M>]>
      : never
    : never
  : never;
type Responses<R extends Route> = OperationOf<R> extends {responses: infer A} ? A : never;
type JsonOf<T> = T extends {content: {'application/json': infer B}} ? B : never;
/** The JSON body `route` answers with `status`, as the OpenAPI document says. */
export type AnswerOf<R extends Route, S extends keyof Responses<R>> = JsonOf<Responses<R>[S]>;
/** The JSON body `route` takes (an optional body read as its shape). */
export type BodyOf<R extends Route> = NonNullable<
  JsonOf<NonNullable<OperationOf<R> extends {requestBody?: infer B} ? B : never>>
>;
type AnswersNoContent = {[R in Route]: 204 extends keyof Responses<R> ? R : never}[Route];


export const TOTP_CODE = '135790';
export const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DP';
/** What POST /auth/mfa/totp/setup answers as the QR code: a script inside, which must never run. */
export const QR_SVG = '<svg width="40" height="40" class="segno"><script>window.pwned=1</script><rect width="10" height="10"/></svg>';
const RECENT_MS = 10 * 60 * 1000;

export interface FakePasskey {
  id: string;
  credentialId: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
  backed_up: boolean;
  transports: string[];
}

interface MfaState {
  pendingSecret: boolean;
  enabled: boolean;
  backup: string[];
  passkeys: FakePasskey[];
}

export interface FakeMembersBlock {
  rule: {verified_email: boolean; levels: string[]; roles: string[]};
  code: string;
}

export interface Mail {
  to: string;
  kind: 'verify' | 'reset' | 'email-change-notice';
  token?: string;
}

export interface Call {
  method: string;
  path: string;
  authorization: string | null;
  credentials: RequestCredentials | undefined;
  body: unknown;
}

interface Account {
  user: Schemas['UserOut'];
  password: string;
  profile: Schemas['ProfileOut'];
}

const PROFILE_FIELDS = ['experience_level', 'professional_role', 'role_other', 'organization'] as const;

/** Routes that need the reader's access token (the refresh cookie alone proves nothing there). */
const ACCOUNT_ROUTES = [
  /^POST \/auth\/verify-email\/resend$/,
  /^POST \/auth\/change-password$/,
  /^POST \/auth\/change-email$/,
  /^GET \/auth\/sessions$/,
  /^DELETE \/auth\/sessions(\/[^/]+)?$/,
  /^GET \/auth\/me\/events$/,
  /^GET \/auth\/me\/export$/,
  /^DELETE \/auth\/me$/,
  /^GET \/auth\/identities$/,
  /^DELETE \/auth\/identities\/[^/]+$/,
];

interface SessionRow {
  id: string;
  email: string;
  created_at: string;
  last_used_at: string;
  expires_at: string;
  ip_address: string;
  user_agent: string;
  revoked: boolean;
}

export function createFakeApi({now = () => Date.now(), accessTtlSeconds = 1800} = {}) {
  const accounts = new Map<string, Account>();
  const refreshTokens = new Map<string, {email: string; used: boolean; family: string; authTime: number}>();
  const accessTokens = new Map<string, {email: string; exp: number; authTime: number}>();
  const mfa = new WeakMap<Account, MfaState>();
  /** The providers connected to each account (GET /auth/identities). */
  const identities = new WeakMap<Account, Schemas['IdentityOut'][]>();
  const challenges = new Map<string, {email: string; used: boolean; failures: number}>();
  /** The HttpOnly `authgate_challenge` cookie (Path=/auth). */
  let challengeCookie: string | null = null;
  const passkeyChallenges = new Set<string>();
  const families = new Map<string, SessionRow>();
  const mailedTokens = new Map<
    string,
    {kind: 'verify' | 'reset'; email: string; used: boolean; newEmail?: string}
  >();
  const mails: Mail[] = [];
  const events = new Map<string, Schemas['EventOut'][]>();
  /** The browser's cookie for the API origin (HttpOnly, so only the fake "browser" sees it). */
  let cookie: string | null = null;
  const calls: Call[] = [];
  let counter = 0;
  /** The providers GET /auth/providers lists (none unless a test adds some). */
  const providers: Schemas['ProviderOut'][] = [];
  /** While set, /auth/refresh waits for this promise before answering. */
  let refreshGate: Promise<void> | null = null;
  /** Members-only pages GET /auth/content/{page} serves, filtered by each block's rule like the API. */
  const membersPages = new Map<string, FakeMembersBlock[]>();

  const json = (status: number, body?: unknown) =>
    new Response(body === undefined ? null : JSON.stringify(body), {
      status,
      headers: body === undefined ? {} : {'Content-Type': 'application/json'},
    });
  const error = (status: number, detail: string, code: ErrorCode) => json(status, {detail, code} satisfies Schemas['ErrorBody']);
  /** The answer of `route` with `status`: its body is the schema the OpenAPI document gives them. */
  const reply = <R extends Route, S extends keyof Responses<R> & number>(_route: R, status: S, body: AnswerOf<R, S>) =>
    json(status, body);
  const noContent = (_route: AnswersNoContent) => json(204);
  /** A request body of `route`, as its schema says (what the kit sends must have these fields). */
  const bodyOf = <R extends Route>(_route: R, body: unknown) => (body ?? {}) as Partial<BodyOf<R>>;
  const signedIn = (email: string, account: Account): Schemas['AuthResponse'] => ({
    ...issueSession(email),
    user: account.user,
    profile: account.profile,
    profile_complete: true,
  });

  function issueSession(email: string, userAgent = 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0') {
    counter += 1;
    const family = `s-${counter}`;
    const stamp = new Date(now()).toISOString();
    families.set(family, {
      id: family,
      email,
      created_at: stamp,
      last_used_at: stamp,
      expires_at: new Date(now() + 7 * 24 * 3600 * 1000).toISOString(),
      ip_address: '127.0.0.1',
      user_agent: userAgent,
      revoked: false,
    });
    counter += 1;
    const refresh = `rt-${counter}`;
    const authTime = now();
    refreshTokens.set(refresh, {email, used: false, family, authTime});
    cookie = refresh;
    record(email, 'sign_in_succeeded');
    return issueAccess(email, authTime);
  }

  function record(email: string, type: string) {
    const list = events.get(email) ?? [];
    list.unshift({type, created_at: new Date(now()).toISOString(), ip_address: '127.0.0.1', user_agent: 'test', detail: null});
    events.set(email, list);
  }

  function revokeFamily(family: string) {
    const row = families.get(family);
    if (row) row.revoked = true;
    for (const e of refreshTokens.values()) if (e.family === family) e.used = true;
  }

  function revokeAll(email: string, except?: string) {
    for (const row of families.values()) if (row.email === email && row.id !== except) revokeFamily(row.id);
    for (const [token, entry] of accessTokens) if (entry.email === email) accessTokens.delete(token);
  }

  function mailToken(kind: 'verify' | 'reset', email: string, newEmail?: string) {
    counter += 1;
    const token = `${kind}-token-${counter}`;
    // a newer token supersedes the older ones of its kind
    for (const t of mailedTokens.values()) if (t.kind === kind && t.email === email) t.used = true;
    mailedTokens.set(token, {kind, email, used: false, newEmail});
    mails.push({to: newEmail ?? email, kind, token});
    return token;
  }

  /** The family of the cookie the browser sent, if it is a live session. */
  function cookieFamily(sendCookie: boolean): string | null {
    if (!sendCookie || !cookie) return null;
    const entry = refreshTokens.get(cookie);
    return entry && !entry.used ? entry.family : null;
  }

  function issueAccess(email: string, authTime = now()): Schemas['TokenResponse'] {
    counter += 1;
    const token = `at-${counter}`;
    accessTokens.set(token, {email, exp: now() + accessTtlSeconds * 1000, authTime});
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

  function addUser(email: string, password: string, profile: Partial<Schemas['ProfileOut']> = {}): Account {
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
      const {email, password} = bodyOf('POST /auth/login', body);
      const account = accounts.get(String(email).toLowerCase());
      if (!account || account.password !== password) {
        return error(401, 'Invalid email or password', 'INVALID_CREDENTIALS');
      }
      if (mfaOf(account).enabled) {
        counter += 1;
        const token = `ch-${counter}`;
        challenges.set(token, {email: account.user.email, used: false, failures: 0});
        challengeCookie = token;
        const methods: Schemas['ChallengeResponse']['methods'] = ['totp', 'backup_code'];
        if (mfaOf(account).passkeys.length) methods.push('passkey');
        return reply('POST /auth/login', 200, {mfa_required: true, challenge_token: token, methods, expires_in: 300});
      }
      return reply('POST /auth/login', 200, signedIn(account.user.email, account));
    }
    if (method === 'POST' && path === '/auth/signup') {
      const data = bodyOf('POST /auth/signup', body);
      const email = String(data.email).toLowerCase();
      if (accounts.has(email)) return error(409, 'An account with this email already exists', 'EMAIL_ALREADY_EXISTS');
      if (String(data.password).length < 8) {
        return error(422, 'Password must be at least 8 characters long', 'PASSWORD_TOO_WEAK');
      }
      const account = addUser(email, String(data.password), {
        experience_level: data.experience_level,
        professional_role: data.professional_role,
        role_other: data.role_other || null,
        organization: data.organization || null,
      });
      return reply('POST /auth/signup', 201, signedIn(email, account));
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
      refreshTokens.set(rotated, {email: entry.email, used: false, family: entry.family, authTime: entry.authTime});
      cookie = rotated;
      return reply('POST /auth/refresh', 200, issueAccess(entry.email, entry.authTime));
    }
    if (method === 'POST' && path === '/auth/logout') {
      if (sendCookie && cookie) {
        const entry = refreshTokens.get(cookie);
        if (entry) for (const e of refreshTokens.values()) if (e.email === entry.email) e.used = true;
      }
      if (sendCookie) cookie = null;
      return noContent('POST /auth/logout');
    }
    if (method === 'POST' && path === '/auth/mfa/verify') {
      const {challenge_token, code} = bodyOf('POST /auth/mfa/verify', body);
      const token = challenge_token ?? (sendCookie ? challengeCookie : null);
      const entry = token ? challenges.get(token) : undefined;
      const account = entry ? accounts.get(entry.email) : undefined;
      if (!entry || entry.used || entry.failures >= 5 || !account) {
        return error(401, 'The sign-in challenge is invalid or expired', 'CHALLENGE_INVALID');
      }
      if (!codeValid(account, String(code ?? ''))) {
        entry.failures += 1;
        return error(401, 'Invalid code', 'INVALID_CODE');
      }
      entry.used = true;
      if (sendCookie) challengeCookie = null;
      return reply('POST /auth/mfa/verify', 200, signedIn(account.user.email, account));
    }
    if (method === 'POST' && path === '/auth/passkeys/authenticate/options') {
      counter += 1;
      const challenge = btoa(`challenge-${counter}`).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
      passkeyChallenges.add(challenge);
      return reply('POST /auth/passkeys/authenticate/options', 200, {
        options: {challenge, rpId: 'localhost', userVerification: 'required', timeout: 60000},
      });
    }
    if (method === 'POST' && path === '/auth/passkeys/authenticate') {
      const credentialId = bodyOf('POST /auth/passkeys/authenticate', body).credential?.id;
      const found = findPasskey(typeof credentialId === 'string' ? credentialId : undefined);
      if (!found) return error(401, 'The passkey response does not verify', 'PASSKEY_INVALID');
      found.passkey.last_used_at = new Date(now()).toISOString();
      const account = found.account;
      return reply('POST /auth/passkeys/authenticate', 200, signedIn(account.user.email, account));
    }
    if (path === '/auth/mfa' || path.startsWith('/auth/mfa/') || path === '/auth/reauthenticate' || path.startsWith('/auth/passkeys')) {
      const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : '';
      const access = accessTokens.get(token);
      const account = bearerAccount(authorization);
      if (!account || !access) return error(401, 'Not authenticated', 'NOT_AUTHENTICATED');
      const state = mfaOf(account);
      const proof = () => checkProof(account, access.authTime, body);
      // adding or taking away a factor: a typed password or code, never the sign-in time alone (every account here
      // has a password)
      const typedProof = () => {
        const {password, code} = bodyOf('POST /auth/mfa/totp/setup', body);
        if (!password && !code) return error(403, 'Enter your password (or a code from your authenticator app) to do this', 'RECENT_SIGN_IN_REQUIRED');
        return checkProof(account, access.authTime, body);
      };
      if (method === 'GET' && path === '/auth/mfa') {
        return reply('GET /auth/mfa', 200, {
          totp_enabled: state.enabled,
          backup_codes_remaining: state.backup.length,
          passkeys: state.passkeys.length,
          recent_sign_in_minutes: 10,
        });
      }
      if (method === 'POST' && path === '/auth/mfa/totp/setup') {
        const refused = typedProof();
        if (refused) return refused;
        if (state.enabled) return error(409, 'Already on', 'TWO_FACTOR_ALREADY_ON');
        state.pendingSecret = true;
        return reply('POST /auth/mfa/totp/setup', 200, {
          secret: TOTP_SECRET,
          otpauth_uri: `otpauth://totp/authgate:${account.user.email}?secret=${TOTP_SECRET}`,
          qr_svg: QR_SVG,
        });
      }
      if (method === 'POST' && path === '/auth/mfa/totp/confirm') {
        if (!state.pendingSecret) return error(409, 'Not set up', 'TWO_FACTOR_NOT_ON');
        if (bodyOf('POST /auth/mfa/totp/confirm', body).code !== TOTP_CODE) return error(401, 'Invalid code', 'INVALID_CODE');
        state.pendingSecret = false;
        state.enabled = true;
        state.backup = newBackupCodes();
        return reply('POST /auth/mfa/totp/confirm', 200, {backup_codes: [...state.backup]});
      }
      if (method === 'DELETE' && path === '/auth/mfa/totp') {
        const refused = typedProof();
        if (refused) return refused;
        if (!state.enabled) return error(409, 'Not on', 'TWO_FACTOR_NOT_ON');
        state.enabled = false;
        state.backup = [];
        return noContent('DELETE /auth/mfa/totp');
      }
      if (method === 'POST' && path === '/auth/mfa/backup-codes') {
        const refused = proof();
        if (refused) return refused;
        if (!state.enabled) return error(409, 'Not on', 'TWO_FACTOR_NOT_ON');
        state.backup = newBackupCodes();
        return reply('POST /auth/mfa/backup-codes', 200, {backup_codes: [...state.backup]});
      }
      if (method === 'POST' && path === '/auth/reauthenticate') {
        const {passkey, password, code} = bodyOf('POST /auth/reauthenticate', body);
        if (passkey) {
          const found = findPasskey(typeof passkey.id === 'string' ? passkey.id : undefined);
          if (!found || found.account !== account) return error(401, 'The passkey response does not verify', 'PASSKEY_INVALID');
        } else {
          if (!password && !code) return error(422, 'A proof is required', 'VALIDATION_ERROR');
          const refused = proof();
          if (refused) return refused;
        }
        return reply('POST /auth/reauthenticate', 200, issueAccess(account.user.email, now()));
      }
      if (method === 'GET' && path === '/auth/passkeys') {
        return reply('GET /auth/passkeys', 200, state.passkeys.map(publicPasskey));
      }
      if (method === 'POST' && path === '/auth/passkeys/register/options') {
        const refused = typedProof();
        if (refused) return refused;
        return reply('POST /auth/passkeys/register/options', 200, {
          options: {
            rp: {id: 'localhost', name: 'Test site'},
            user: {id: 'dXNlci1pZA', name: account.user.email, displayName: account.user.email},
            challenge: 'cmVnaXN0ZXI',
            pubKeyCredParams: [{type: 'public-key', alg: -7}],
            excludeCredentials: state.passkeys.map((p) => ({type: 'public-key', id: p.credentialId})),
            authenticatorSelection: {residentKey: 'required', userVerification: 'required'},
            timeout: 60000,
          },
        });
      }
      if (method === 'POST' && path === '/auth/passkeys/register') {
        const {credential, name} = bodyOf('POST /auth/passkeys/register', body);
        if (typeof credential?.id !== 'string') return error(401, 'The passkey response does not verify', 'PASSKEY_INVALID');
        counter += 1;
        const passkey: FakePasskey = {
          id: `pk-${counter}`,
          credentialId: credential.id,
          name: name ?? `Passkey ${state.passkeys.length + 1}`,
          created_at: new Date(now()).toISOString(),
          last_used_at: null,
          backed_up: false,
          transports: (credential.response as {transports?: string[]} | undefined)?.transports ?? [],
        };
        state.passkeys.push(passkey);
        return reply('POST /auth/passkeys/register', 201, publicPasskey(passkey));
      }
      if (path.startsWith('/auth/passkeys/')) {
        const id = decodeURIComponent(path.slice('/auth/passkeys/'.length));
        const passkey = state.passkeys.find((p) => p.id === id);
        if (method === 'PATCH') {
          if (!passkey) return error(404, 'Passkey not found', 'PASSKEY_NOT_FOUND');
          passkey.name = String(bodyOf('PATCH /auth/passkeys/{passkey_id}', body).name);
          return reply('PATCH /auth/passkeys/{passkey_id}', 200, publicPasskey(passkey));
        }
        if (method === 'DELETE') {
          // the API answers an unknown passkey before it asks for a proof
          if (!passkey) return error(404, 'Passkey not found', 'PASSKEY_NOT_FOUND');
          const refused = typedProof();
          if (refused) return refused;
          state.passkeys = state.passkeys.filter((p) => p !== passkey);
          return noContent('DELETE /auth/passkeys/{passkey_id}');
        }
      }
    }
    if (method === 'GET' && path === '/auth/providers') {
      return reply('GET /auth/providers', 200, providers);
    }
    if (method === 'GET' && path.startsWith('/auth/content/')) {
      const account = bearerAccount(authorization);
      if (!account) return error(401, 'Not authenticated', 'NOT_AUTHENTICATED');
      const blocks = membersPages.get(decodeURIComponent(path.slice('/auth/content/'.length)));
      if (!blocks) return error(404, 'No members-only content for this page', 'CONTENT_NOT_FOUND');
      const answered = blocks.map((block, index) => {
        const profile = account.profile as {experience_level?: string; professional_role?: string} | null;
        const reason =
          block.rule.verified_email && !account.user.is_verified
            ? 'EMAIL_NOT_VERIFIED'
            : block.rule.levels.length && !block.rule.levels.includes(profile?.experience_level ?? '')
              ? 'LEVEL_NOT_ADMITTED'
              : block.rule.roles.length && !block.rule.roles.includes(profile?.professional_role ?? '')
                ? 'ROLE_NOT_ADMITTED'
                : null;
        return reason
          ? {index, status: 'denied', reason, rule: block.rule}
          : {index, status: 'admitted', format: 'mdx-function-body', code: block.code};
      });
      const denied = answered.filter((b) => b.status === 'denied');
      if (denied.length === answered.length) {
        const reasons = new Set(denied.map((b) => (b as {reason: ErrorCode}).reason));
        return error(403, 'Not for your profile', reasons.size === 1 ? [...reasons][0]! : 'CONTENT_NOT_ADMITTED');
      }
      return json(200, {page: path.slice('/auth/content/'.length), blocks: answered});
    }
    if (method === 'GET' && path === '/auth/me') {
      const account = bearerAccount(authorization) ?? cookieAccount(sendCookie);
      if (!account) return error(401, 'Not authenticated', 'NOT_AUTHENTICATED');
      return reply('GET /auth/me', 200, {user: account.user, profile: account.profile, profile_complete: true});
    }
    if (method === 'PATCH' && path === '/auth/me/profile') {
      const account = bearerAccount(authorization);
      if (!account) return error(401, 'Not authenticated', 'NOT_AUTHENTICATED');
      const patch = bodyOf('PATCH /auth/me/profile', body);
      for (const field of PROFILE_FIELDS) {
        if (field in patch) (account.profile as Record<string, unknown>)[field] = patch[field] || null;
      }
      if (account.profile.professional_role === 'other' && !account.profile.role_other) {
        return error(422, 'role_other is required when professional_role is "other"', 'VALIDATION_ERROR');
      }
      account.profile.updated_at = new Date(now()).toISOString();
      return reply('PATCH /auth/me/profile', 200, {user: account.user, profile: account.profile, profile_complete: true});
    }
    if (method === 'POST' && path === '/auth/forgot-password') {
      const {email} = bodyOf('POST /auth/forgot-password', body);
      const account = accounts.get(String(email).toLowerCase());
      if (account) mailToken('reset', account.user.email);
      return reply('POST /auth/forgot-password', 202, {detail: 'If an account exists for this email, a reset link has been sent.'});
    }
    if (method === 'POST' && path === '/auth/reset-password') {
      const {token, new_password} = bodyOf('POST /auth/reset-password', body);
      const entry = mailedTokens.get(String(token));
      if (!entry || entry.kind !== 'reset' || entry.used || !accounts.has(entry.email)) {
        return error(400, 'This link is invalid or has expired', 'TOKEN_INVALID');
      }
      if (String(new_password).length < 8) {
        return error(422, 'Password must be at least 8 characters long', 'PASSWORD_TOO_WEAK');
      }
      entry.used = true;
      accounts.get(entry.email)!.password = String(new_password);
      revokeAll(entry.email);
      record(entry.email, 'password_reset');
      return reply('POST /auth/reset-password', 200, {detail: 'Your password has been reset. Sign in with the new password.'});
    }
    if (method === 'POST' && path === '/auth/verify-email') {
      const {token} = bodyOf('POST /auth/verify-email', body);
      const entry = mailedTokens.get(String(token));
      if (!entry || entry.kind !== 'verify' || entry.used || !accounts.has(entry.email)) {
        return error(400, 'This link is invalid or has expired', 'TOKEN_INVALID');
      }
      entry.used = true;
      const account = accounts.get(entry.email)!;
      if (entry.newEmail) {
        accounts.delete(entry.email);
        account.user.email = entry.newEmail;
        accounts.set(entry.newEmail, account);
        for (const e of [...refreshTokens.values(), ...accessTokens.values(), ...families.values()]) {
          if (e.email === entry.email) e.email = entry.newEmail;
        }
        events.set(entry.newEmail, events.get(entry.email) ?? []);
        record(entry.newEmail, 'email_changed');
      }
      account.user.is_verified = true;
      record(account.user.email, 'email_verified');
      return reply('POST /auth/verify-email', 200, {email: account.user.email, is_verified: true});
    }
    if (path.startsWith('/auth/') && ACCOUNT_ROUTES.some((r) => r.test(`${method} ${path}`))) {
      const account = bearerAccount(authorization);
      if (!account) return error(401, 'Not authenticated', 'NOT_AUTHENTICATED');
      const email = account.user.email;
      const current = cookieFamily(sendCookie);
      if (method === 'POST' && path === '/auth/verify-email/resend') {
        mailToken('verify', email);
        return reply('POST /auth/verify-email/resend', 202, {detail: 'A new verification link has been sent.'});
      }
      if (method === 'POST' && path === '/auth/change-password') {
        const {current_password, new_password} = bodyOf('POST /auth/change-password', body);
        if (current_password !== account.password) {
          return error(401, 'The current password is incorrect', 'INVALID_PASSWORD');
        }
        if (String(new_password).length < 8) {
          return error(422, 'Password must be at least 8 characters long', 'PASSWORD_TOO_WEAK');
        }
        account.password = String(new_password);
        revokeAll(email, current ?? undefined);
        record(email, 'password_changed');
        return reply('POST /auth/change-password', 200, issueAccess(email));
      }
      if (method === 'POST' && path === '/auth/change-email') {
        const {new_email, password} = bodyOf('POST /auth/change-email', body);
        if (password !== account.password) return error(401, 'The current password is incorrect', 'INVALID_PASSWORD');
        const target = String(new_email).toLowerCase();
        if (accounts.has(target)) {
          // the contract gives no hint that the address is taken; nothing is mailed to it
          return reply('POST /auth/change-email', 202, {detail: 'Check the new inbox to confirm the change.'});
        }
        mailToken('verify', email, target);
        mails.push({to: email, kind: 'email-change-notice'});
        record(email, 'email_change_requested');
        return reply('POST /auth/change-email', 202, {detail: 'Check the new inbox to confirm the change.'});
      }
      if (method === 'GET' && path === '/auth/identities') {
        return reply('GET /auth/identities', 200, identities.get(account) ?? []);
      }
      if (method === 'DELETE' && path.startsWith('/auth/identities/')) {
        // taking a way in away: a typed password or code, never the sign-in time alone, as for connecting one (every
        // account here has a password); the API asks for the proof before it looks the identity up
        const {password, code} = bodyOf('DELETE /auth/identities/{identity_id}', body);
        if (!password && !code) return error(403, 'Enter your password (or a code from your authenticator app) to do this', 'RECENT_SIGN_IN_REQUIRED');
        const refused = checkProof(account, accessTokens.get(authorization!.slice(7))!.authTime, body);
        if (refused) return refused;
        const id = decodeURIComponent(path.slice('/auth/identities/'.length));
        const list = identities.get(account) ?? [];
        if (!list.some((i) => i.id === id)) return error(404, 'Identity not found', 'IDENTITY_NOT_FOUND');
        identities.set(account, list.filter((i) => i.id !== id));
        record(email, 'identity_disconnected');
        return noContent('DELETE /auth/identities/{identity_id}');
      }
      if (method === 'GET' && path === '/auth/sessions') {
        const list = [...families.values()]
          .filter((row) => row.email === email && !row.revoked)
          .map(({id, created_at, last_used_at, ip_address, user_agent}) => ({
            id,
            created_at,
            last_used_at,
            ip_address,
            user_agent,
            current: id === current,
          }));
        return reply('GET /auth/sessions', 200, list);
      }
      // ending sessions is a sensitive change (a proof, or a recent sign-in)
      const access = accessTokens.get(authorization!.slice(7))!;
      if (method === 'DELETE' && path.startsWith('/auth/sessions')) {
        const refused = checkProof(account, access.authTime, body);
        if (refused) return refused;
      }
      if (method === 'DELETE' && path === '/auth/sessions') {
        revokeAll(email);
        if (sendCookie) cookie = null;
        record(email, 'signed_out_everywhere');
        return noContent('DELETE /auth/sessions');
      }
      if (method === 'DELETE' && path.startsWith('/auth/sessions/')) {
        const id = decodeURIComponent(path.slice('/auth/sessions/'.length));
        const row = families.get(id);
        if (!row || row.email !== email || row.revoked) return error(404, 'Session not found', 'SESSION_NOT_FOUND');
        revokeFamily(id);
        record(email, 'session_revoked');
        return noContent('DELETE /auth/sessions/{session_id}');
      }
      if (method === 'GET' && path === '/auth/me/events') {
        return reply('GET /auth/me/events', 200, events.get(email) ?? []);
      }
      if (method === 'GET' && path === '/auth/me/export') {
        record(email, 'data_exported');
        const stamp = new Date(now()).toISOString();
        return reply('GET /auth/me/export', 200, {
          user: {
            ...account.user,
            email_verified_at: account.user.is_verified ? stamp : null,
            failed_login_count: 0,
            last_failed_login_at: null,
            password_reset_required: false,
            tokens_valid_after: null,
            updated_at: account.profile.updated_at,
          },
          profile: account.profile,
          sessions: [...families.values()]
            .filter((row) => row.email === email)
            .map(({id, created_at, last_used_at, expires_at, ip_address, user_agent, revoked}) => ({
              id,
              created_at,
              last_used_at,
              expires_at,
              ended_at: revoked ? stamp : null,
              ip_address,
              user_agent,
              status: revoked ? ('ended' as const) : ('active' as const),
            })),
          events: events.get(email) ?? [],
          identities: [],
          passkeys: mfaOf(account).passkeys.map(({id, name, created_at, last_used_at, backed_up}) => ({
            id,
            name,
            created_at,
            last_used_at,
            backed_up,
          })),
          second_factor: {
            totp_enabled: mfaOf(account).enabled,
            totp_confirmed_at: mfaOf(account).enabled ? stamp : null,
            backup_codes_remaining: mfaOf(account).backup.length,
          },
        });
      }
      if (method === 'DELETE' && path === '/auth/me') {
        const {password} = bodyOf('DELETE /auth/me', body);
        if (password !== account.password) return error(401, 'The current password is incorrect', 'INVALID_PASSWORD');
        revokeAll(email);
        accounts.delete(email);
        events.delete(email);
        if (sendCookie) cookie = null;
        return noContent('DELETE /auth/me');
      }
    }
    if (path === '/api/notes') {
      const account = bearerAccount(authorization);
      if (!account) return error(401, 'Invalid or expired token', 'INVALID_TOKEN');
      return json(200, {owner: account.user.email, notes: []});
    }
    return error(404, 'Not found', 'NOT_FOUND');
  }

  function mfaOf(account: Account): MfaState {
    let state = mfa.get(account);
    if (!state) {
      state = {pendingSecret: false, enabled: false, backup: [], passkeys: []};
      mfa.set(account, state);
    }
    return state;
  }

  function newBackupCodes(): string[] {
    return Array.from({length: 10}, (_, i) => {
      counter += 1;
      return `bk${String(counter).padStart(3, '0')}-code${i}`;
    });
  }

  /** An app code, or a backup code (used up). */
  function codeValid(account: Account, code: string): boolean {
    const state = mfaOf(account);
    if (!state.enabled) return false;
    if (code === TOTP_CODE) return true;
    const i = state.backup.indexOf(code.trim());
    if (i < 0) return false;
    state.backup.splice(i, 1);
    return true;
  }

  /** The contract's "proof": a password, a code, or a sign-in at most 10 minutes old; null when it passes. */
  function checkProof(account: Account, authTime: number, body: unknown): Response | null {
    const {password, code}: Schemas['ProofFields'] = (body ?? {}) as Schemas['ProofFields'];
    if (password) return password === account.password ? null : error(401, 'The password is incorrect', 'INVALID_PASSWORD');
    if (code) return codeValid(account, code) ? null : error(401, 'Invalid code', 'INVALID_CODE');
    if (now() - authTime > RECENT_MS) return error(403, 'Confirm it is you', 'RECENT_SIGN_IN_REQUIRED');
    return null;
  }

  function findPasskey(credentialId: string | undefined): {account: Account; passkey: FakePasskey} | null {
    if (!credentialId) return null;
    for (const account of accounts.values()) {
      const passkey = mfaOf(account).passkeys.find((p) => p.credentialId === credentialId);
      if (passkey) return {account, passkey};
    }
    return null;
  }

  function publicPasskey({credentialId: _c, ...rest}: FakePasskey): Schemas['PasskeyOut'] {
    return {...rest};
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
    providers,
    addUser,
    accounts,
    /** Serves a members-only page (its blocks in order, each with its rule and compiled code). */
    setMembersPage(page: string, blocks: FakeMembersBlock[]) {
      membersPages.set(page, blocks);
    },
    /** Signs the fake browser in as `email`: the cookie jar now holds a valid refresh token. */
    giveCookie(email: string) {
      issueSession(email);
    },
    /** Signs `email` in on "another device": a session row the browser holds no cookie for. */
    otherDevice(email: string, userAgent: string) {
      const mine = cookie;
      issueSession(email, userAgent);
      const other = [...families.values()].at(-1)!;
      cookie = mine;
      return other.id;
    },
    mails,
    /** Turns the authenticator app on for `email` (its code is TOTP_CODE); returns the backup codes. */
    enableTotp(email: string): string[] {
      const state = mfaOf(accounts.get(email)!);
      state.enabled = true;
      state.backup = newBackupCodes();
      return [...state.backup];
    },
    /** Gives `email` a passkey whose credential id is `credentialId`. */
    addPasskey(email: string, credentialId: string, name = 'Laptop'): FakePasskey {
      counter += 1;
      const passkey: FakePasskey = {
        id: `pk-${counter}`,
        credentialId,
        name,
        created_at: new Date(now()).toISOString(),
        last_used_at: null,
        backed_up: true,
        transports: ['internal'],
      };
      mfaOf(accounts.get(email)!).passkeys.push(passkey);
      return passkey;
    },
    /** Connects a provider to `email`'s account (as a finished connect flow would). */
    addIdentity(email: string, provider: string, name: string): Schemas['IdentityOut'] {
      const account = accounts.get(email)!;
      counter += 1;
      const identity: Schemas['IdentityOut'] = {
        id: `id-${counter}`,
        provider,
        name,
        email,
        created_at: new Date(now()).toISOString(),
        last_used_at: null,
      };
      identities.set(account, [...(identities.get(account) ?? []), identity]);
      return identity;
    },
    identitiesOf(email: string): Schemas['IdentityOut'][] {
      return identities.get(accounts.get(email)!) ?? [];
    },
    mfaState(email: string): MfaState {
      return mfaOf(accounts.get(email)!);
    },
    get challengeCookie() {
      return challengeCookie;
    },
    /** The token of the last mail of `kind` sent to `to`. */
    lastToken(to: string, kind: Mail['kind']) {
      const mail = [...mails].reverse().find((m) => m.to === to && m.kind === kind);
      if (!mail?.token) throw new Error(`no ${kind} mail to ${to}`);
      return mail.token;
    },
    /** Mails a verification token to `email` as signup would, and returns it. */
    mailVerification(email: string) {
      return mailToken('verify', email);
    },
    sessionsOf(email: string) {
      return [...families.values()].filter((row) => row.email === email && !row.revoked);
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
