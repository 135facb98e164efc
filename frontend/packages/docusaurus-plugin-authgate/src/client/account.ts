/** The account routes of a signed-in reader: password and address, devices, security events, data, deletion. */
import {proofBody} from './mfa';
import type {SessionApi} from './session';
import type {AccountExport, DetailResponseBody, Proof, SecurityEvent, SessionInfo, TokenResponseBody} from './types';

/**
 * POST /auth/change-password. The API revokes the reader's other sessions and every access token
 * issued before now, and answers a fresh access token for this tab, which replaces ours.
 */
export async function changePassword(api: SessionApi, currentPassword: string, newPassword: string): Promise<TokenResponseBody> {
  const body = await api.accountJson<TokenResponseBody>('/auth/change-password', {
    method: 'POST',
    body: {current_password: currentPassword, new_password: newPassword},
  });
  api.setToken(body.access_token, body.expires_in);
  return body;
}


/** POST /auth/change-email: the API mails a link to the new address; nothing changes until it is opened. */
export async function changeEmail(api: SessionApi, newEmail: string, password: string): Promise<DetailResponseBody> {
  return api.accountJson<DetailResponseBody>('/auth/change-email', {
    method: 'POST',
    body: {new_email: newEmail, password},
  });
}


/** GET /auth/sessions: one entry per sign-in, `current` marking this browser's. */
export async function listSessions(api: SessionApi): Promise<SessionInfo[]> {
  return api.accountJson<SessionInfo[]>('/auth/sessions', {method: 'GET'});
}


/**
 * DELETE /auth/sessions/{id}: signs that device out (its next refresh fails). A sensitive change: `proof` unless
 * the sign-in is recent.
 */
export async function revokeSession(api: SessionApi, id: string, proof?: Proof): Promise<void> {
  await api.accountJson<void>(`/auth/sessions/${encodeURIComponent(id)}`, {
    method: 'DELETE',
    ...(proof ? {body: proofBody(proof)} : {}),
  });
}


/** DELETE /auth/sessions: every session including this one; this tab and the others end signed out (sensitive). */
export async function signOutEverywhere(api: SessionApi, proof?: Proof): Promise<void> {
  await api.accountJson<void>('/auth/sessions', {method: 'DELETE', ...(proof ? {body: proofBody(proof)} : {})});
  api.endSession();
}


/** GET /auth/me/events: the reader's recent security events, newest first. */
export async function listEvents(api: SessionApi): Promise<SecurityEvent[]> {
  return api.accountJson<SecurityEvent[]>('/auth/me/events', {method: 'GET'});
}


/** GET /auth/me/export: everything the service holds about the reader, as JSON. */
export async function exportData(api: SessionApi): Promise<AccountExport> {
  return api.accountJson<AccountExport>('/auth/me/export', {method: 'GET'});
}


/** DELETE /auth/me {password}: removes the account and everything of it; this tab ends signed out. */
export async function deleteAccount(api: SessionApi, password: string): Promise<void> {
  await api.accountJson<void>('/auth/me', {method: 'DELETE', body: {password}});
  api.endSession();
}

