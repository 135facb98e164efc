/**
 * Shapes exchanged with the authgate HTTP API: aliases of the schemas generated from the API's OpenAPI document
 * (generated/api.ts, `make contract`; docs/contract.md), so a change of the API that the kit does not follow fails
 * the type check instead of drifting. Only the kit's own shapes (options, snapshot) and the WebAuthn JSON the API
 * passes through untyped are written here by hand.
 */
import type {components} from './generated/api';

export type {components, operations, paths} from './generated/api';
export type {ErrorCode} from './generated/errorCodes';

type Schemas = components['schemas'];

/** The list itself, checked against the API's enum both ways: a value missing or unknown fails the type check. */
function everyValueOf<U extends string>() {
  return <const L extends readonly U[]>(
    list: L & ([Exclude<U, L[number]>] extends [never] ? unknown : {missing: Exclude<U, L[number]>}),
  ): Readonly<L> => list;
}

export type ExperienceLevel = Schemas['ExperienceLevel'];
export const EXPERIENCE_LEVELS = everyValueOf<ExperienceLevel>()(['beginner', 'intermediate', 'advanced']);

export type ProfessionalRole = Schemas['ProfessionalRole'];
export const PROFESSIONAL_ROLES = everyValueOf<ProfessionalRole>()([
  'student',
  'researcher',
  'engineer',
  'hobbyist',
  'other',
]);

/** The reader's account (`user` of sign-in, sign-up and GET /auth/me). */
export type AuthUser = Schemas['UserOut'];

/** The reader's profile; null for a reader who arrived through a provider and has not completed it yet. */
export type UserProfile = Schemas['ProfileOut'];

/** Body of POST /auth/signup. */
export type SignUpData = Schemas['SignupRequest'];

/** Body of PATCH /auth/me/profile: only the fields sent change. */
export type ProfilePatch = Schemas['ProfileUpdate'];

export type AuthStatus = 'loading' | 'signed-in' | 'signed-out';

export interface AuthSnapshot {
  status: AuthStatus;
  user: AuthUser | null;
  profile: UserProfile | null;
}

/** Body of a 200/201 from /auth/login and /auth/signup (and of a second factor or passkey sign-in). */
export type AuthResponseBody = Schemas['AuthResponse'];

/** Body of POST /auth/refresh, POST /auth/change-password and POST /auth/reauthenticate. */
export type TokenResponseBody = Schemas['TokenResponse'];

/** Body of GET /auth/me and PATCH /auth/me/profile; `profile_complete` is false until a provider's reader has one. */
export type MeResponseBody = Schemas['MeResponse'];

/** A provider a reader can sign in with (GET /auth/providers). */
export type ProviderInfo = Schemas['ProviderOut'];

/** A provider account connected to the reader's account (GET /auth/identities). */
export type IdentityInfo = Schemas['IdentityOut'];

/** Body of a 202 (or 200) that only carries a readable sentence. */
export type DetailResponseBody = Schemas['DetailResponse'];

/** Body of a 200 from POST /auth/verify-email. */
export type VerifyEmailResponseBody = Schemas['VerifyEmailResponse'];

/** One entry of GET /auth/sessions: a sign-in (refresh-token family) of the reader; `current` marks this browser's. */
export type SessionInfo = Schemas['SessionOut'];

/** One entry of GET /auth/me/events, newest first. */
export type SecurityEvent = Schemas['EventOut'];

/** Body of GET /auth/me/export: everything the service holds about the reader. */
export type AccountExport = Schemas['DataExport'];

/** An error body of the API: `{detail, code}`; a 422 adds `errors`, one per field. */
export type ApiErrorBody = Schemas['ErrorBody'] | Schemas['ValidationErrorBody'];

// ---- second factors and passkeys ----

/**
 * Body of a 200 from POST /auth/login for a reader with an authenticator app: no session yet, a second factor
 * is needed (POST /auth/mfa/verify with the token, or the `authgate_challenge` cookie that came with it).
 */
export type MfaChallengeBody = Schemas['ChallengeResponse'];

/** The second factors a challenge accepts. */
export type MfaMethod = MfaChallengeBody['methods'][number];

/** What POST /auth/login answers: a session, or a second-factor challenge. */
export type SignInResult = AuthResponseBody | MfaChallengeBody;

/** A recent proof of identity for a sensitive route: the password, or a code of the app (or a backup code). */
export type Proof = Schemas['ProofFields'];

/** Body of GET /auth/mfa (`passkeys`: how many the reader has). */
export type MfaStatus = Schemas['MfaStatus'];

/** Body of a 200 from POST /auth/mfa/totp/setup (not on until confirmed); `qr_svg` is a server-rendered SVG. */
export type TotpSetupBody = Schemas['TotpSetup'];

/** Body of POST /auth/mfa/totp/confirm and POST /auth/mfa/backup-codes: ten codes, shown once. */
export type BackupCodesBody = Schemas['BackupCodes'];

/** One entry of GET /auth/passkeys (`backed_up`: synced, e.g. to a password manager). */
export type PasskeyInfo = Schemas['PasskeyOut'];

// The API passes WebAuthn's JSON through as objects (PasskeyOptions.options, credential): their shapes are WebAuthn
// Level 3's, written here.

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
  /**
   * The site's own wording for any of the kit's messages, keyed by translation id (`authgate.*`), e.g. the sign-up
   * lead or the experience levels naming the site's subject. They are the messages of the site's default wording:
   * a locale's code.json still translates the same ids.
   */
  messages?: Record<string, string>;
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
