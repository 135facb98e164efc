import {createContext, useContext, useEffect, useMemo, useRef, useState, useSyncExternalStore} from 'react';
import type {ReactNode} from 'react';
import {AuthClient, loadingSnapshot} from './authClient';
import {forgetMembersPages} from './membersContent';
import type {AuthClientOptions} from './authClient';
import type {PendingChallenge} from './authClient';
import type {
  AccountExport,
  AuthResponseBody,
  BackupCodesBody,
  MfaStatus,
  PasskeyInfo,
  Proof,
  SignInResult,
  TotpSetupBody,
  AuthSnapshot,
  AuthStatus,
  AuthUser,
  MeResponseBody,
  ProfilePatch,
  DetailResponseBody,
  IdentityInfo,
  ProviderInfo,
  SecurityEvent,
  SessionInfo,
  SignUpData,
  TokenResponseBody,
  UserProfile,
  VerifyEmailResponseBody,
} from './types';

export interface AuthContextValue {
  status: AuthStatus;
  user: AuthUser | null;
  profile: UserProfile | null;
  /** Resolves to the session, or to a second-factor challenge (`mfa_required`, see isMfaChallenge). */
  signIn(email: string, password: string): Promise<SignInResult>;
  signUp(data: SignUpData): Promise<AuthResponseBody>;
  signOut(): Promise<void>;
  updateProfile(patch: ProfilePatch): Promise<MeResponseBody>;
  /** fetch() with the reader's access token; refreshes once on a 401 and retries with the new token. */
  authFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
  /** Origin of the authgate API this provider talks to. */
  apiBaseUrl: string;
  /** Replaces the access token held in memory (e.g. one answered by a custom route). */
  setAccessToken(token: string, expiresInSeconds: number): void;
  /** POST /auth/forgot-password; the same answer for every address. */
  requestPasswordReset(email: string): Promise<DetailResponseBody>;
  /** POST /auth/reset-password with the mailed token; does not sign in. */
  resetPassword(token: string, newPassword: string): Promise<DetailResponseBody>;
  /** POST /auth/verify-email with the mailed token, sent at most once per token. */
  verifyEmail(token: string): Promise<VerifyEmailResponseBody>;
  /** POST /auth/verify-email/resend. */
  resendVerification(): Promise<DetailResponseBody>;
  /** POST /auth/change-password; keeps this tab signed in with the new access token. */
  changePassword(currentPassword: string, newPassword: string): Promise<TokenResponseBody>;
  /** POST /auth/change-email; the change happens when the link mailed to the new address is opened. */
  changeEmail(newEmail: string, password: string): Promise<DetailResponseBody>;
  listSessions(): Promise<SessionInfo[]>;
  /** Sensitive: `proof` ({password} or {code}) unless the sign-in is recent (else RECENT_SIGN_IN_REQUIRED). */
  revokeSession(id: string, proof?: Proof): Promise<void>;
  /** DELETE /auth/sessions: every device, this one included (sensitive, like revokeSession). */
  signOutEverywhere(proof?: Proof): Promise<void>;
  listEvents(): Promise<SecurityEvent[]>;
  exportData(): Promise<AccountExport>;
  /** DELETE /auth/me with the password; ends signed out. */
  deleteAccount(password: string): Promise<void>;
  /** GET /auth/providers: the sign-in providers the API has enabled. */
  listProviders(): Promise<ProviderInfo[]>;
  /** The address to send the browser to for signing in with a provider, coming back to `next`. */
  providerSignInUrl(providerId: string, next: string): string;
  /** Connect a provider to this account (a sensitive change: the password or a code): resolves to the address to
   * send the browser to. */
  connectProvider(providerId: string, proof?: Proof): Promise<string>;
  listIdentities(): Promise<IdentityInfo[]>;
  /** Disconnect a provider (a sensitive change: the password or a code). */
  disconnectIdentity(identityId: string, proof?: Proof): Promise<void>;
  /** The second-factor challenge of the last sign-in in this tab (methods, expiry), or null. */
  pendingChallenge(): Pick<PendingChallenge, 'methods' | 'expiresAt'> | null;
  /** POST /auth/mfa/verify with an app code or a backup code; success signs in. */
  verifySecondFactor(code: string): Promise<AuthResponseBody>;
  getMfaStatus(): Promise<MfaStatus>;
  setupTotp(proof?: Proof): Promise<TotpSetupBody>;
  confirmTotp(code: string): Promise<BackupCodesBody>;
  disableTotp(proof?: Proof): Promise<void>;
  regenerateBackupCodes(proof?: Proof): Promise<BackupCodesBody>;
  /** POST /auth/reauthenticate with a password or code: a fresh sign-in time for the sensitive routes. */
  reauthenticate(proof: Proof): Promise<void>;
  /** Signs in with a passkey; `mediation: 'conditional'` offers them in the email field's autofill. */
  signInWithPasskey(options?: {mediation?: CredentialMediationRequirement; signal?: AbortSignal}): Promise<AuthResponseBody>;
  reauthenticateWithPasskey(): Promise<void>;
  listPasskeys(): Promise<PasskeyInfo[]>;
  addPasskey(name: string, proof?: Proof): Promise<PasskeyInfo>;
  renamePasskey(id: string, name: string): Promise<PasskeyInfo>;
  removePasskey(id: string, proof?: Proof): Promise<void>;
}

const AuthContext = createContext<AuthContextValue | null>(null);
AuthContext.displayName = 'AuthgateContext';

export interface AuthProviderProps extends Omit<AuthClientOptions, 'apiBaseUrl'> {
  apiBaseUrl: string;
  children?: ReactNode;
  /** Use an existing client instead of creating one (tests, or sharing one across roots). */
  client?: AuthClient;
}

const serverSnapshot = (): AuthSnapshot => loadingSnapshot();

/**
 * Provides the reader's session to the tree. Renders the same 'loading' state on the server and on
 * the first client render, so hydration never shows the wrong signed-in state; one GET /auth/me
 * after mount settles it.
 */
export function AuthProvider({children, client: given, ...options}: AuthProviderProps): ReactNode {
  // Options are read once: changing apiBaseUrl at runtime would need a new session anyway.
  const [client] = useState(() => given ?? new AuthClient(options));

  useEffect(() => {
    client.start();
    return () => client.stop();
  }, [client]);

  const snapshot = useSyncExternalStore(client.subscribe, client.getSnapshot, serverSnapshot);

  // Members-only content loaded for a reader leaves memory when the reader does (signed out, or another reader
  // signed in), here rather than in <MembersOnly>: that one forgot it only when a block was on screen at the time,
  // so signing out on any other page left every block read in the tab (attack pass).
  const reader = snapshot.status === 'signed-in' ? (snapshot.user?.id ?? null) : null;
  const lastReader = useRef<string | null>(null);
  useEffect(() => {
    if (snapshot.status === 'loading') return;
    if (lastReader.current !== null && lastReader.current !== reader) forgetMembersPages();
    lastReader.current = reader;
  }, [snapshot.status, reader]);

  const value = useMemo<AuthContextValue>(
    () => ({
      status: snapshot.status,
      user: snapshot.user,
      profile: snapshot.profile,
      signIn: (email, password) => client.signIn(email, password),
      signUp: (data) => client.signUp(data),
      signOut: () => client.signOut(),
      updateProfile: (patch) => client.updateProfile(patch),
      authFetch: (input, init) => client.authFetch(input, init),
      apiBaseUrl: client.apiBaseUrl,
      setAccessToken: (token, expiresIn) => client.setAccessToken(token, expiresIn),
      requestPasswordReset: (email) => client.requestPasswordReset(email),
      resetPassword: (token, newPassword) => client.resetPassword(token, newPassword),
      verifyEmail: (token) => client.verifyEmail(token),
      resendVerification: () => client.resendVerification(),
      changePassword: (current, next) => client.changePassword(current, next),
      changeEmail: (newEmail, password) => client.changeEmail(newEmail, password),
      listSessions: () => client.listSessions(),
      revokeSession: (id, proof) => client.revokeSession(id, proof),
      signOutEverywhere: (proof) => client.signOutEverywhere(proof),
      listEvents: () => client.listEvents(),
      exportData: () => client.exportData(),
      deleteAccount: (password) => client.deleteAccount(password),
      listProviders: () => client.listProviders(),
      providerSignInUrl: (providerId, next) => client.providerSignInUrl(providerId, next),
      connectProvider: (providerId, proof) => client.connectProvider(providerId, proof),
      listIdentities: () => client.listIdentities(),
      disconnectIdentity: (identityId, proof) => client.disconnectIdentity(identityId, proof),
      pendingChallenge: () => client.pendingChallenge(),
      verifySecondFactor: (code) => client.verifySecondFactor(code),
      getMfaStatus: () => client.getMfaStatus(),
      setupTotp: (proof) => client.setupTotp(proof),
      confirmTotp: (code) => client.confirmTotp(code),
      disableTotp: (proof) => client.disableTotp(proof),
      regenerateBackupCodes: (proof) => client.regenerateBackupCodes(proof),
      reauthenticate: (proof) => client.reauthenticate(proof),
      signInWithPasskey: (options) => client.signInWithPasskey(options),
      reauthenticateWithPasskey: () => client.reauthenticateWithPasskey(),
      listPasskeys: () => client.listPasskeys(),
      addPasskey: (name, proof) => client.addPasskey(name, proof),
      renamePasskey: (id, name) => client.renamePasskey(id, name),
      removePasskey: (id, proof) => client.removePasskey(id, proof),
    }),
    [client, snapshot],
  );

  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthContextValue {
  const value = useContext(AuthContext);
  if (!value) {
    throw new Error(
      'useAuth() must be used inside <AuthProvider>. In a Docusaurus site, add "docusaurus-plugin-authgate" to `plugins`.',
    );
  }
  return value;
}
