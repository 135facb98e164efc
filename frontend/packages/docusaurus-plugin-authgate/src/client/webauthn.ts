/**
 * The browser's WebAuthn API, with one fallback for browsers that lack the WebAuthn Level 3 JSON helpers
 * (`PublicKeyCredential.parseCreationOptionsFromJSON` / `parseRequestOptionsFromJSON` and `credential.toJSON()`):
 * the binary fields are base64url strings in JSON and ArrayBuffers for the browser. Nothing here runs at import
 * time, so the module is safe during Docusaurus' static rendering.
 */
import type {
  PasskeyCreationOptionsJSON,
  PasskeyCredentialJSON,
  PasskeyDescriptorJSON,
  PasskeyRequestOptionsJSON,
} from './types';

type PublicKeyCredentialStatic = typeof PublicKeyCredential & {
  parseCreationOptionsFromJSON?: (options: unknown) => PublicKeyCredentialCreationOptions;
  parseRequestOptionsFromJSON?: (options: unknown) => PublicKeyCredentialRequestOptions;
  isConditionalMediationAvailable?: () => Promise<boolean>;
};

function pkc(): PublicKeyCredentialStatic | undefined {
  const g = globalThis as {PublicKeyCredential?: PublicKeyCredentialStatic};
  return typeof g.PublicKeyCredential === 'function' ? g.PublicKeyCredential : undefined;
}

/** True where the browser can create and use passkeys (a secure context with WebAuthn). */
export function webauthnAvailable(): boolean {
  if (typeof navigator === 'undefined' || !pkc()) return false;
  const credentials = (navigator as Navigator & {credentials?: CredentialsContainer}).credentials;
  return Boolean(credentials && typeof credentials.get === 'function' && typeof credentials.create === 'function');
}

/** True where the browser offers passkeys in the autofill of a field marked `autocomplete="… webauthn"`. */
export async function conditionalMediationAvailable(): Promise<boolean> {
  const PKC = pkc();
  if (!webauthnAvailable() || !PKC || typeof PKC.isConditionalMediationAvailable !== 'function') return false;
  try {
    return await PKC.isConditionalMediationAvailable();
  } catch {
    return false;
  }
}

// ---- base64url <-> ArrayBuffer ----

export function base64urlToBuffer(value: string): ArrayBuffer {
  const base64 = value.replace(/-/g, '+').replace(/_/g, '/');
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

export function bufferToBase64url(value: ArrayBuffer | ArrayBufferView): string {
  // (not `instanceof ArrayBuffer`: a buffer from another realm, e.g. an iframe, is one too)
  const bytes = ArrayBuffer.isView(value)
    ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
    : new Uint8Array(value);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 1) binary += String.fromCharCode(bytes[i]);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function descriptor(d: PasskeyDescriptorJSON): PublicKeyCredentialDescriptor {
  return {
    type: d.type as PublicKeyCredentialType,
    id: base64urlToBuffer(d.id),
    ...(d.transports ? {transports: d.transports as AuthenticatorTransport[]} : {}),
  };
}

// ---- options: JSON from the API -> what navigator.credentials takes ----

export function parseCreationOptions(options: PasskeyCreationOptionsJSON): PublicKeyCredentialCreationOptions {
  const native = pkc()?.parseCreationOptionsFromJSON;
  if (typeof native === 'function') return native.call(pkc(), options);
  const {challenge, user, excludeCredentials, hints: _hints, ...rest} = options;
  return {
    ...(rest as Omit<PublicKeyCredentialCreationOptions, 'challenge' | 'user' | 'excludeCredentials'>),
    challenge: base64urlToBuffer(challenge),
    user: {...user, id: base64urlToBuffer(user.id)},
    ...(excludeCredentials ? {excludeCredentials: excludeCredentials.map(descriptor)} : {}),
  };
}

export function parseRequestOptions(options: PasskeyRequestOptionsJSON): PublicKeyCredentialRequestOptions {
  const native = pkc()?.parseRequestOptionsFromJSON;
  if (typeof native === 'function') return native.call(pkc(), options);
  const {challenge, allowCredentials, hints: _hints, ...rest} = options;
  return {
    ...(rest as Omit<PublicKeyCredentialRequestOptions, 'challenge' | 'allowCredentials'>),
    challenge: base64urlToBuffer(challenge),
    ...(allowCredentials ? {allowCredentials: allowCredentials.map(descriptor)} : {}),
  };
}

// ---- the credential the browser answers -> JSON for the API ----

type AnyResponse = AuthenticatorResponse &
  Partial<{
    attestationObject: ArrayBuffer;
    authenticatorData: ArrayBuffer;
    signature: ArrayBuffer;
    userHandle: ArrayBuffer | null;
    getTransports: () => string[];
    getPublicKey: () => ArrayBuffer | null;
    getPublicKeyAlgorithm: () => number;
    getAuthenticatorData: () => ArrayBuffer;
  }>;

export function credentialToJSON(credential: PublicKeyCredential): PasskeyCredentialJSON {
  const withJson = credential as unknown as {toJSON?: () => unknown};
  if (typeof withJson.toJSON === 'function') return withJson.toJSON() as PasskeyCredentialJSON;
  const r = credential.response as AnyResponse;
  const response: Record<string, unknown> = {clientDataJSON: bufferToBase64url(r.clientDataJSON)};
  if (r.attestationObject) {
    // a registration
    response.attestationObject = bufferToBase64url(r.attestationObject);
    response.transports = typeof r.getTransports === 'function' ? r.getTransports() : [];
    if (typeof r.getAuthenticatorData === 'function') {
      response.authenticatorData = bufferToBase64url(r.getAuthenticatorData());
    }
    const key = typeof r.getPublicKey === 'function' ? r.getPublicKey() : null;
    if (key) response.publicKey = bufferToBase64url(key);
    if (typeof r.getPublicKeyAlgorithm === 'function') response.publicKeyAlgorithm = r.getPublicKeyAlgorithm();
  } else {
    // an assertion
    if (r.authenticatorData) response.authenticatorData = bufferToBase64url(r.authenticatorData);
    if (r.signature) response.signature = bufferToBase64url(r.signature);
    if (r.userHandle) response.userHandle = bufferToBase64url(r.userHandle);
  }
  return {
    id: credential.id,
    rawId: bufferToBase64url(credential.rawId),
    type: credential.type,
    response,
    authenticatorAttachment: credential.authenticatorAttachment ?? undefined,
    clientExtensionResults:
      typeof credential.getClientExtensionResults === 'function'
        ? (credential.getClientExtensionResults() as Record<string, unknown>)
        : {},
  };
}

// ---- the two ceremonies ----

/** navigator.credentials.create for the API's creation options; resolves to the JSON the API verifies. */
export async function createPasskey(options: PasskeyCreationOptionsJSON): Promise<PasskeyCredentialJSON> {
  const credential = (await navigator.credentials.create({publicKey: parseCreationOptions(options)})) as
    | PublicKeyCredential
    | null;
  if (!credential) throw new DOMException('No passkey was created.', 'NotAllowedError');
  return credentialToJSON(credential);
}

export interface GetPasskeyOptions {
  /** 'conditional' offers the passkeys in the autofill of the email field instead of a dialog. */
  mediation?: CredentialMediationRequirement;
  signal?: AbortSignal;
}

/** navigator.credentials.get for the API's request options; resolves to the JSON the API verifies. */
export async function getPasskey(
  options: PasskeyRequestOptionsJSON,
  {mediation, signal}: GetPasskeyOptions = {},
): Promise<PasskeyCredentialJSON> {
  const credential = (await navigator.credentials.get({
    publicKey: parseRequestOptions(options),
    ...(mediation ? {mediation} : {}),
    ...(signal ? {signal} : {}),
  })) as PublicKeyCredential | null;
  if (!credential) throw new DOMException('No passkey was chosen.', 'NotAllowedError');
  return credentialToJSON(credential);
}

/** True for the browser's "cancelled, timed out or not allowed" and "aborted" answers of a ceremony. */
export function isCeremonyCancelled(err: unknown): boolean {
  const name = err && typeof err === 'object' ? (err as {name?: unknown}).name : undefined;
  return name === 'NotAllowedError' || name === 'AbortError';
}
