/**
 * A stand-in for the browser's WebAuthn API in jsdom: `PublicKeyCredential` (without the Level 3 JSON helpers
 * unless `native`, so the kit's fallback runs) and `navigator.credentials.create/get`. A conditional request
 * (`mediation: 'conditional'`) stays pending until it is aborted or `pickFromAutofill()` answers it.
 */
import {vi} from 'vitest';

const enc = new TextEncoder();
const bytes = (text: string) => enc.encode(text).buffer;

function assertion(id: string) {
  return {
    id,
    rawId: bytes(id),
    type: 'public-key',
    authenticatorAttachment: 'platform',
    response: {
      clientDataJSON: bytes('{"type":"webauthn.get"}'),
      authenticatorData: bytes('auth-data'),
      signature: bytes('signature'),
      userHandle: bytes('user-handle'),
    },
    getClientExtensionResults: () => ({}),
  };
}

function registration(id: string) {
  return {
    id,
    rawId: bytes(id),
    type: 'public-key',
    authenticatorAttachment: 'platform',
    response: {
      clientDataJSON: bytes('{"type":"webauthn.create"}'),
      attestationObject: bytes('attestation'),
      getTransports: () => ['internal', 'hybrid'],
      getAuthenticatorData: () => bytes('auth-data'),
      getPublicKey: () => bytes('public-key'),
      getPublicKeyAlgorithm: () => -7,
    },
    getClientExtensionResults: () => ({}),
  };
}

export function installWebAuthn({native = false, conditional = true} = {}) {
  const state = {
    /** The credential id the next (modal) get answers with. */
    credentialId: 'cred-1',
    /** The next modal ceremony is cancelled by the reader. */
    cancelNext: false,
    created: 0,
    requests: [] as {kind: 'create' | 'get'; options: CredentialCreationOptions | CredentialRequestOptions}[],
    pendingConditional: null as null | {resolve: (c: unknown) => void},
  };

  class FakePublicKeyCredential {
    static isConditionalMediationAvailable = async () => conditional;
  }
  if (native) {
    Object.assign(FakePublicKeyCredential, {
      parseCreationOptionsFromJSON: vi.fn((o: unknown) => ({parsed: 'native', ...(o as object)})),
      parseRequestOptionsFromJSON: vi.fn((o: unknown) => ({parsed: 'native', ...(o as object)})),
    });
  }
  vi.stubGlobal('PublicKeyCredential', FakePublicKeyCredential);

  const cancelled = () => new DOMException('The operation either timed out or was not allowed.', 'NotAllowedError');
  const credentials = {
    create: vi.fn(async (options: CredentialCreationOptions) => {
      state.requests.push({kind: 'create', options});
      if (state.cancelNext) {
        state.cancelNext = false;
        throw cancelled();
      }
      if (options.publicKey?.excludeCredentials?.length) {
        throw new DOMException('The authenticator holds an excluded credential.', 'InvalidStateError');
      }
      state.created += 1;
      return registration(`new-cred-${state.created}`);
    }),
    get: vi.fn((options: CredentialRequestOptions) => {
      state.requests.push({kind: 'get', options});
      if (options.signal?.aborted) return Promise.reject(new DOMException('aborted', 'AbortError'));
      if (options.mediation === 'conditional') {
        return new Promise((resolve, reject) => {
          state.pendingConditional = {resolve};
          options.signal?.addEventListener('abort', () => {
            state.pendingConditional = null;
            reject(new DOMException('aborted', 'AbortError'));
          });
        });
      }
      if (state.cancelNext) {
        state.cancelNext = false;
        return Promise.reject(cancelled());
      }
      return Promise.resolve(assertion(state.credentialId));
    }),
  };
  Object.defineProperty(navigator, 'credentials', {configurable: true, value: credentials});

  return {
    state,
    credentials,
    /** The reader picks the passkey `id` from the email field's autofill. */
    pickFromAutofill(id: string) {
      const pending = state.pendingConditional;
      if (!pending) throw new Error('no conditional request is pending');
      state.pendingConditional = null;
      pending.resolve(assertion(id));
    },
    uninstall() {
      vi.unstubAllGlobals();
      delete (navigator as {credentials?: unknown}).credentials;
    },
  };
}
