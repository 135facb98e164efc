/** Shapes exchanged with the authgate HTTP API (see docs/api-contract.md). */

export const EXPERIENCE_LEVELS = ['beginner', 'intermediate', 'advanced'] as const;
export type ExperienceLevel = (typeof EXPERIENCE_LEVELS)[number];

export const PROFESSIONAL_ROLES = ['student', 'researcher', 'engineer', 'hobbyist', 'other'] as const;
export type ProfessionalRole = (typeof PROFESSIONAL_ROLES)[number];

export interface AuthUser {
  id: string;
  email: string;
  is_active: boolean;
  is_verified: boolean;
  created_at: string;
  last_login_at: string | null;
}

export interface UserProfile {
  experience_level: ExperienceLevel;
  professional_role: ProfessionalRole;
  role_other: string | null;
  organization: string | null;
  created_at?: string;
  updated_at?: string;
}

export interface SignUpData {
  email: string;
  password: string;
  experience_level: ExperienceLevel;
  professional_role: ProfessionalRole;
  role_other?: string | null;
  organization?: string | null;
}

export type ProfilePatch = Partial<
  Pick<UserProfile, 'experience_level' | 'professional_role' | 'role_other' | 'organization'>
>;

export type AuthStatus = 'loading' | 'signed-in' | 'signed-out';

export interface AuthSnapshot {
  status: AuthStatus;
  user: AuthUser | null;
  profile: UserProfile | null;
}

/** Body of a 200/201 from /auth/login and /auth/signup. */
export interface AuthResponseBody {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  user: AuthUser;
  profile: UserProfile | null;
}

export interface TokenResponseBody {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
}

export interface MeResponseBody {
  user: AuthUser;
  profile: UserProfile | null;
  /** False for a reader who arrived through a provider and has not completed their profile yet. */
  profile_complete?: boolean;
}

/** A provider a reader can sign in with (GET /auth/providers). */
export interface ProviderInfo {
  id: string;
  name: string;
}

/** A provider account connected to the reader's account (GET /auth/identities). */
export interface IdentityInfo {
  id: string;
  provider: string;
  name: string;
  email: string | null;
  created_at: string;
  last_used_at: string | null;
}

/** Body of a 202 (or 200) that only carries a readable sentence. */
export interface DetailResponseBody {
  detail: string;
}

/** Body of a 200 from POST /auth/verify-email. */
export interface VerifyEmailResponseBody {
  email: string;
  is_verified: true;
}

/** One entry of GET /auth/sessions: a sign-in (refresh-token family) of the reader. */
export interface SessionInfo {
  id: string;
  created_at: string;
  last_used_at: string | null;
  ip_address: string | null;
  user_agent: string | null;
  /** True for the session of the browser making the request. */
  current: boolean;
}

/** One entry of GET /auth/me/events, newest first. */
export interface SecurityEvent {
  type: string;
  created_at: string;
  ip_address: string | null;
  user_agent: string | null;
  detail: string | null;
}

/** Body of GET /auth/me/export: everything the service holds about the reader. */
export interface AccountExport {
  user: Record<string, unknown>;
  profile: Record<string, unknown> | null;
  sessions: unknown[];
  events: unknown[];
}

// ---- second factors and passkeys ----

/** The second factors a challenge accepts. */
export type MfaMethod = 'totp' | 'backup_code' | 'passkey';

/**
 * Body of a 200 from POST /auth/login for a reader with an authenticator app: no session yet, a second factor
 * is needed (POST /auth/mfa/verify with the token, or the `authgate_challenge` cookie that came with it).
 */
export interface MfaChallengeBody {
  mfa_required: true;
  challenge_token: string;
  methods: MfaMethod[];
  expires_in: number;
}

/** What POST /auth/login answers: a session, or a second-factor challenge. */
export type SignInResult = AuthResponseBody | MfaChallengeBody;

/** A recent proof of identity for a sensitive route: the password, or a code of the app (or a backup code). */
export interface Proof {
  password?: string;
  code?: string;
}

/** Body of GET /auth/mfa. */
export interface MfaStatus {
  totp_enabled: boolean;
  backup_codes_remaining: number;
  /** How many passkeys the reader has. */
  passkeys: number;
  recent_sign_in_minutes: number;
}

/** Body of a 200 from POST /auth/mfa/totp/setup: not on until confirmed with a code. */
export interface TotpSetupBody {
  /** The base32 key, for typing into the app by hand. */
  secret: string;
  otpauth_uri: string;
  /** The otpauth URI as a QR code, a server-rendered SVG document. */
  qr_svg: string;
}

/** Body of POST /auth/mfa/totp/confirm and POST /auth/mfa/backup-codes: ten codes, shown once. */
export interface BackupCodesBody {
  backup_codes: string[];
}

/** One entry of GET /auth/passkeys. */
export interface PasskeyInfo {
  id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
  /** True when the passkey is synced (e.g. to a password manager), so it survives the loss of one device. */
  backed_up: boolean;
  transports: string[];
}

/** A credential descriptor in JSON (base64url id). */
export interface PasskeyDescriptorJSON {
  id: string;
  type: string;
  transports?: string[];
}

/** PublicKeyCredentialCreationOptionsJSON (WebAuthn Level 3): base64url strings for the binary fields. */
export interface PasskeyCreationOptionsJSON {
  rp: {id?: string; name: string};
  user: {id: string; name: string; displayName: string};
  challenge: string;
  pubKeyCredParams: {type: string; alg: number}[];
  timeout?: number;
  excludeCredentials?: PasskeyDescriptorJSON[];
  authenticatorSelection?: {
    authenticatorAttachment?: string;
    residentKey?: string;
    requireResidentKey?: boolean;
    userVerification?: string;
  };
  attestation?: string;
  hints?: string[];
  extensions?: Record<string, unknown>;
}

/** PublicKeyCredentialRequestOptionsJSON (WebAuthn Level 3). */
export interface PasskeyRequestOptionsJSON {
  challenge: string;
  timeout?: number;
  rpId?: string;
  allowCredentials?: PasskeyDescriptorJSON[];
  userVerification?: string;
  hints?: string[];
  extensions?: Record<string, unknown>;
}

/** A PublicKeyCredential as `credential.toJSON()` gives it (RegistrationResponseJSON or AuthenticationResponseJSON). */
export interface PasskeyCredentialJSON {
  id: string;
  rawId: string;
  type: string;
  response: Record<string, unknown>;
  authenticatorAttachment?: string;
  clientExtensionResults: Record<string, unknown>;
}

/** Options of the Docusaurus plugin, as written in docusaurus.config. */
export interface PluginOptions {
  /** Origin of the authgate API, e.g. http://localhost:8000 (no trailing slash needed). */
  apiBaseUrl: string;
  /** First path segment of the auth pages; default "auth" gives /auth/login, /auth/signup, /auth/account. */
  routeBasePath?: string;
  /** Refresh the access token this many seconds before it expires (default 60). */
  refreshLeewaySeconds?: number;
  /**
   * Members-only content (docs/members-only.md): where the protected blocks are written (default "build-members",
   * relative to the site; never inside build/), and pages protected as a whole by path. false: off.
   */
  membersOnly?: false | {outDir?: string; pages?: Array<{path: string; rule?: string}>};
}

/** What the plugin hands to the browser through globalData. */
export interface AuthgateGlobalData {
  apiBaseUrl: string;
  refreshLeewaySeconds: number;
  paths: AuthgatePaths;
}

/** Site paths of the kit's pages (with the site's baseUrl). */
export interface AuthgatePaths {
  login: string;
  signup: string;
  account: string;
  forgotPassword: string;
  resetPassword: string;
  verifyEmail: string;
  completeProfile: string;
  /** The second step of signing in (an authenticator code, a backup code or a passkey). */
  twoFactor: string;
}
