/**
 * The kit's API client: the session (session.ts: the token in memory, refresh, one refresh across tabs) with one
 * method per API route, each implemented in the module of its area (recovery, account, providers, mfa, passkeys).
 */
import * as account from './account';
import * as mfa from './mfa';
import * as passkeys from './passkeys';
import * as providers from './providers';
import * as recovery from './recovery';
import {SessionClient} from './session';
import type {
  AccountExport,
  AuthResponseBody,
  BackupCodesBody,
  DetailResponseBody,
  MfaStatus,
  PasskeyInfo,
  Proof,
  TotpSetupBody,
  IdentityInfo,
  ProviderInfo,
  SecurityEvent,
  SessionInfo,
  TokenResponseBody,
  VerifyEmailResponseBody,
} from './types';

export {CHANNEL_NAME, REFRESH_LOCK_NAME} from './crossTab';
export {isMfaChallenge, loadingSnapshot} from './session';
export type {PendingChallenge} from './session';
export type {AuthClientOptions} from './session';

export class AuthClient extends SessionClient {
  // ---- recovery.ts: the mailed links ----

  /** POST /auth/forgot-password. The API answers the same 202 for known and unknown addresses. */
  requestPasswordReset(email: string): Promise<DetailResponseBody> {
    return recovery.requestPasswordReset(this.api, email);
  }

  /** POST /auth/reset-password with the mailed token; every session of the account ends, nobody is signed in. */
  resetPassword(token: string, newPassword: string): Promise<DetailResponseBody> {
    return recovery.resetPassword(this.api, token, newPassword);
  }

  /** POST /auth/verify-email with the mailed token, at most once per token for the life of this tab. */
  verifyEmail(token: string): Promise<VerifyEmailResponseBody> {
    return recovery.verifyEmail(this.api, token);
  }

  /** POST /auth/verify-email/resend: mails a new link to the reader's address. */
  resendVerification(): Promise<DetailResponseBody> {
    return recovery.resendVerification(this.api);
  }

  // ---- account.ts: the signed-in reader's account ----

  /** POST /auth/change-password; the fresh access token it answers replaces ours. */
  changePassword(currentPassword: string, newPassword: string): Promise<TokenResponseBody> {
    return account.changePassword(this.api, currentPassword, newPassword);
  }

  /** POST /auth/change-email: a link to the new address; nothing changes until it is opened. */
  changeEmail(newEmail: string, password: string): Promise<DetailResponseBody> {
    return account.changeEmail(this.api, newEmail, password);
  }

  /** GET /auth/sessions: one entry per sign-in, `current` marking this browser's. */
  listSessions(): Promise<SessionInfo[]> {
    return account.listSessions(this.api);
  }

  /** DELETE /auth/sessions/{id}: signs that device out (sensitive: a proof unless the sign-in is recent). */
  revokeSession(id: string, proof?: Proof): Promise<void> {
    return account.revokeSession(this.api, id, proof);
  }

  /** DELETE /auth/sessions: every session including this one; every tab ends signed out (sensitive). */
  signOutEverywhere(proof?: Proof): Promise<void> {
    return account.signOutEverywhere(this.api, proof);
  }

  /** GET /auth/me/events: the reader's recent security events, newest first. */
  listEvents(): Promise<SecurityEvent[]> {
    return account.listEvents(this.api);
  }

  /** GET /auth/me/export: everything the service holds about the reader. */
  exportData(): Promise<AccountExport> {
    return account.exportData(this.api);
  }

  /** DELETE /auth/me {password}: the account and everything of it; this tab ends signed out. */
  deleteAccount(password: string): Promise<void> {
    return account.deleteAccount(this.api, password);
  }

  // ---- providers.ts: GitHub, Google, OpenID providers ----

  /** GET /auth/providers: the providers the API has enabled. */
  listProviders(): Promise<ProviderInfo[]> {
    return providers.listProviders(this.api);
  }

  /** Where to send the browser to sign in with a provider, coming back to `next`. */
  providerSignInUrl(providerId: string, next: string): string {
    return providers.providerSignInUrl(this.api, providerId, next);
  }

  /** POST /auth/oauth/{id}/connect: the URL to send the browser to. */
  connectProvider(providerId: string, proof?: Proof): Promise<string> {
    return providers.connectProvider(this.api, providerId, proof);
  }

  /** GET /auth/identities. */
  listIdentities(): Promise<IdentityInfo[]> {
    return providers.listIdentities(this.api);
  }

  /** DELETE /auth/identities/{id}. */
  disconnectIdentity(identityId: string, proof?: Proof): Promise<void> {
    return providers.disconnectIdentity(this.api, identityId, proof);
  }

  // ---- mfa.ts: second factors ----

  /** POST /auth/mfa/verify: the second step of signing in; success starts the session. */
  verifySecondFactor(code: string): Promise<AuthResponseBody> {
    return mfa.verifySecondFactor(this.api, code);
  }

  /** GET /auth/mfa. */
  getMfaStatus(): Promise<MfaStatus> {
    return mfa.getMfaStatus(this.api);
  }

  /** POST /auth/mfa/totp/setup (sensitive): a key and its QR code, on once confirmed. */
  setupTotp(proof?: Proof): Promise<TotpSetupBody> {
    return mfa.setupTotp(this.api, proof);
  }

  /** POST /auth/mfa/totp/confirm: two-step sign-in is on; the backup codes are answered once. */
  confirmTotp(code: string): Promise<BackupCodesBody> {
    return mfa.confirmTotp(this.api, code);
  }

  /** DELETE /auth/mfa/totp (sensitive): two-step sign-in off, backup codes gone. */
  disableTotp(proof?: Proof): Promise<void> {
    return mfa.disableTotp(this.api, proof);
  }

  /** POST /auth/mfa/backup-codes (sensitive): a new set of ten; the old one stops working. */
  regenerateBackupCodes(proof?: Proof): Promise<BackupCodesBody> {
    return mfa.regenerateBackupCodes(this.api, proof);
  }

  /** POST /auth/reauthenticate with a password or a code; the fresh access token replaces ours. */
  reauthenticate(proof: Proof): Promise<void> {
    return mfa.reauthenticate(this.api, proof).then(() => undefined);
  }

  // ---- passkeys.ts ----

  /** Signs in with a passkey (a dialog, or the email field's autofill with `mediation: 'conditional'`). */
  signInWithPasskey(options?: {mediation?: CredentialMediationRequirement; signal?: AbortSignal}): Promise<AuthResponseBody> {
    return passkeys.signInWithPasskey(this.api, options);
  }

  /** A passkey as proof before a sensitive change; the fresh access token replaces ours. */
  reauthenticateWithPasskey(): Promise<void> {
    return passkeys.reauthenticateWithPasskey(this.api).then(() => undefined);
  }

  /** GET /auth/passkeys. */
  listPasskeys(): Promise<PasskeyInfo[]> {
    return passkeys.listPasskeys(this.api);
  }

  /** Creates a passkey in the browser and registers it (the options are a sensitive route). */
  addPasskey(name: string, proof?: Proof): Promise<PasskeyInfo> {
    return passkeys.addPasskey(this.api, name, proof);
  }

  /** PATCH /auth/passkeys/{id}. */
  renamePasskey(id: string, name: string): Promise<PasskeyInfo> {
    return passkeys.renamePasskey(this.api, id, name);
  }

  /** DELETE /auth/passkeys/{id} (sensitive). */
  removePasskey(id: string, proof?: Proof): Promise<void> {
    return passkeys.removePasskey(this.api, id, proof);
  }
}
