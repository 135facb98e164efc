export {AuthProvider, useAuth} from './AuthProvider';
export {useAuthgateConfig} from './useAuthgateConfig';
export type {AuthContextValue, AuthProviderProps} from './AuthProvider';
export {AuthClient, CHANNEL_NAME, REFRESH_LOCK_NAME, isMfaChallenge} from './authClient';
export type {AuthClientOptions, PendingChallenge} from './authClient';
export {
  base64urlToBuffer,
  bufferToBase64url,
  conditionalMediationAvailable,
  credentialToJSON,
  isCeremonyCancelled,
  parseCreationOptions,
  parseRequestOptions,
  webauthnAvailable,
} from './webauthn';
export {SignedIn, SignedOut, ForExperience, ForRole} from './components';
export {blockComponent, forgetMembersPages, loadMembersPage, membersPageUrl} from './membersContent';
export type {MembersBlockBody, MembersPageResult, MembersRuleBody} from './membersContent';
export type {ForExperienceProps, ForRoleProps} from './components';
export {AuthError, ERROR_CODES, KIT_ERROR_CODES, codeMessage, isErrorCode, passkeyCancelledMessage} from './errors';
export type {AuthErrorCode, ErrorCode, KitErrorCode} from './errors';
export {safeNextPath, currentPathForNext} from './safeNext';
export {
  validateEmail,
  validatePassword,
  validateProfile,
  validateSignIn,
  validateSignUp,
  passwordLength,
  PASSWORD_MIN,
  PASSWORD_MAX,
  ROLE_OTHER_MAX,
  ORGANIZATION_MAX,
} from './validation';
export type {FieldErrors, ProfileFieldValues, SignUpFieldValues} from './validation';
export {EXPERIENCE_LEVELS, PROFESSIONAL_ROLES} from './types';
export type {
  AccountExport,
  ApiErrorBody,
  components,
  operations,
  paths,
  AuthgateGlobalData,
  AuthgatePaths,
  AuthResponseBody,
  AuthSnapshot,
  AuthStatus,
  AuthUser,
  BackupCodesBody,
  DetailResponseBody,
  MfaChallengeBody,
  MfaMethod,
  MfaStatus,
  PasskeyCreationOptionsJSON,
  PasskeyCredentialJSON,
  PasskeyInfo,
  PasskeyRequestOptionsJSON,
  Proof,
  SignInResult,
  TotpSetupBody,
  ExperienceLevel,
  IdentityInfo,
  ProviderInfo,
  MeResponseBody,
  PluginOptions,
  ProfessionalRole,
  ProfilePatch,
  SecurityEvent,
  SessionInfo,
  SignUpData,
  TokenResponseBody,
  UserProfile,
  VerifyEmailResponseBody,
} from './types';
