// Second factors and passkeys: the client modules (mfa.ts, passkeys.ts, webauthn.ts) and the pages that use them
// (the sign-in page, /auth/two-factor, the account page's Sign-in security section), against the fake API and a
// stand-in for the browser's WebAuthn API.
import {act, screen, waitFor, within} from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type {UserEvent} from '@testing-library/user-event';
import {Route} from 'react-router-dom';
import AuthgateLoginPage from '../src/theme/AuthgateLoginPage';
import AuthgateTwoFactorPage from '../src/theme/AuthgateTwoFactorPage';
import AuthgateAccountPage from '../src/theme/AuthgateAccountPage';
import {AuthClient, AuthError} from '../src/client';
import {
  base64urlToBuffer,
  bufferToBase64url,
  credentialToJSON,
  parseCreationOptions,
  parseRequestOptions,
} from '../src/client/webauthn';
import {QR_SVG, TOTP_CODE, TOTP_SECRET, createFakeApi} from './fakeApi';
import type {FakeApi} from './fakeApi';
import {API, renderAt} from './helpers';
import {installWebAuthn} from './webauthnStub';
import {svgDataUrl} from '../src/theme/Authgate/SignInSecuritySection/TotpSetup';

const PASSWORD = 'correct horse battery';
const EMAIL = 'ada@example.com';

function client(api: FakeApi) {
  return new AuthClient({apiBaseUrl: API, fetch: api.fetch, locks: null, createChannel: null});
}

let webauthn: ReturnType<typeof installWebAuthn> | null = null;
afterEach(() => {
  webauthn?.uninstall();
  webauthn = null;
});

/** Both pages of signing in, each at its path, as the site routes them. */
function SignInPages() {
  return (
    <>
      <Route path="/auth/login" exact>
        <AuthgateLoginPage />
      </Route>
      <Route path="/auth/two-factor" exact>
        <AuthgateTwoFactorPage />
      </Route>
    </>
  );
}

const location = () => screen.getByTestId('location').textContent;

/**
 * Answers the "Confirm it is you" prompt with the password. Adding or taking away a factor asks for a typed proof
 * however recent the sign-in, so the prompt offers no passkey there.
 */
async function confirmWithPassword(user: UserEvent, section: HTMLElement, says?: string) {
  const prompt = await within(section).findByRole('form', {name: 'Confirm it is you'});
  if (says) expect(prompt).toHaveTextContent(says);
  expect(within(prompt).queryByRole('button', {name: 'Use a passkey instead'})).toBeNull();
  await user.type(within(prompt).getByLabelText('Your password'), `${PASSWORD}{Enter}`);
}

describe('client: the second-factor challenge', () => {
  it('a sign-in with the app on answers a challenge; the code then starts the session', async () => {
    const api = createFakeApi();
    api.addUser(EMAIL, PASSWORD);
    api.enableTotp(EMAIL);
    const c = client(api);
    c.start();

    const answer = await c.signIn(EMAIL, PASSWORD);
    expect(answer).toMatchObject({mfa_required: true, methods: ['totp', 'backup_code']});
    expect(c.getSnapshot().status).not.toBe('signed-in');
    expect(c.pendingChallenge()).toMatchObject({methods: ['totp', 'backup_code']});
    // the token stays inside the client
    expect(JSON.stringify(c.pendingChallenge())).not.toContain('ch-');

    await c.verifySecondFactor(` ${TOTP_CODE.slice(0, 3)} ${TOTP_CODE.slice(3)} `);
    const verify = api.callsTo('/auth/mfa/verify')[0];
    expect(verify).toMatchObject({credentials: 'include', body: {challenge_token: expect.stringMatching(/^ch-/), code: TOTP_CODE}});
    expect(c.getSnapshot()).toMatchObject({status: 'signed-in', user: {email: EMAIL}});
    expect(c.pendingChallenge()).toBeNull();
    expect(await c.getAccessToken()).toMatch(/^at-/);
    c.stop();
  });

  it('back from a provider (no token in memory) the HttpOnly challenge cookie carries the challenge', async () => {
    const api = createFakeApi();
    api.addUser(EMAIL, PASSWORD);
    api.enableTotp(EMAIL);
    // the password step happened in another client (a provider's redirect): only the cookie is left
    await client(api).signIn(EMAIL, PASSWORD);
    expect(api.challengeCookie).toMatch(/^ch-/);
    const c = client(api);
    await c.verifySecondFactor(TOTP_CODE);
    expect(api.callsTo('/auth/mfa/verify').at(-1)!.body).toEqual({code: TOTP_CODE});
    expect(c.getSnapshot().status).toBe('signed-in');
  });

  it('a wrong code is INVALID_CODE; a dead challenge is CHALLENGE_INVALID and is forgotten', async () => {
    const api = createFakeApi();
    api.addUser(EMAIL, PASSWORD);
    api.enableTotp(EMAIL);
    const c = client(api);
    await c.signIn(EMAIL, PASSWORD);
    for (let i = 0; i < 5; i += 1) {
      await expect(c.verifySecondFactor('000000')).rejects.toMatchObject({code: 'INVALID_CODE', status: 401});
    }
    await expect(c.verifySecondFactor(TOTP_CODE)).rejects.toMatchObject({code: 'CHALLENGE_INVALID'});
    expect(c.pendingChallenge()).toBeNull();
  });

  it('a backup code works once', async () => {
    const api = createFakeApi();
    api.addUser(EMAIL, PASSWORD);
    const [code] = api.enableTotp(EMAIL);
    const c = client(api);
    await c.signIn(EMAIL, PASSWORD);
    await c.verifySecondFactor(code);
    expect(c.getSnapshot().status).toBe('signed-in');
    await c.signOut();
    await c.signIn(EMAIL, PASSWORD);
    await expect(c.verifySecondFactor(code)).rejects.toMatchObject({code: 'INVALID_CODE'});
  });
});

describe('client: sensitive routes and re-authentication', () => {
  it('a wrong code (INVALID_CODE) is answered as is, never retried after a refresh', async () => {
    const api = createFakeApi();
    api.addUser(EMAIL, PASSWORD);
    api.enableTotp(EMAIL);
    api.giveCookie(EMAIL);
    const c = client(api);
    c.start();
    await expect(c.regenerateBackupCodes({code: '999999'})).rejects.toMatchObject({code: 'INVALID_CODE'});
    expect(api.callsTo('/auth/mfa/backup-codes')).toHaveLength(1);
    expect(api.callsTo('/auth/refresh')).toHaveLength(1); // the first token only
    c.stop();
  });

  it('sends only the proof fields given, and re-authentication keeps the fresh token', async () => {
    let t = Date.now();
    const api = createFakeApi({now: () => t});
    api.addUser(EMAIL, PASSWORD);
    api.giveCookie(EMAIL);
    const c = client(api);
    c.start();
    t += 11 * 60 * 1000;
    await expect(c.disableTotp()).rejects.toMatchObject({code: 'RECENT_SIGN_IN_REQUIRED', status: 403});
    expect(api.callsTo('/auth/mfa/totp')[0].body).toEqual({});
    await c.reauthenticate({password: PASSWORD});
    const fresh = api.callsTo('/auth/reauthenticate')[0];
    expect(fresh.body).toEqual({password: PASSWORD});
    // the token /auth/reauthenticate answered is the one used next, and its sign-in time is recent
    await expect(c.revokeSession('no-such-session')).rejects.toMatchObject({code: 'SESSION_NOT_FOUND'}); // past the proof
    expect(api.callsTo('/auth/sessions/no-such-session')[0].authorization).not.toBe(api.callsTo('/auth/mfa/totp')[0].authorization);
    // adding or taking away a factor wants the password (or a code) itself, however recent the sign-in
    await expect(c.disableTotp()).rejects.toMatchObject({code: 'RECENT_SIGN_IN_REQUIRED'});
    await expect(c.setupTotp()).rejects.toMatchObject({code: 'RECENT_SIGN_IN_REQUIRED'});
    await expect(c.setupTotp({password: PASSWORD})).resolves.toMatchObject({secret: TOTP_SECRET});
    expect(api.callsTo('/auth/mfa/totp/setup')[1].body).toEqual({password: PASSWORD});
    c.stop();
  });

  it('a passkey as proof: options, the browser, POST /auth/reauthenticate {passkey}', async () => {
    let t = Date.now();
    const api = createFakeApi({now: () => t});
    api.addUser(EMAIL, PASSWORD);
    api.addPasskey(EMAIL, 'cred-1');
    api.giveCookie(EMAIL);
    webauthn = installWebAuthn();
    const c = client(api);
    c.start();
    t += 11 * 60 * 1000;
    await c.reauthenticateWithPasskey();
    expect(api.callsTo('/auth/reauthenticate')[0].body).toMatchObject({
      passkey: {id: 'cred-1', type: 'public-key', response: {signature: bufferToBase64url(new TextEncoder().encode('signature'))}},
    });
    await expect(c.revokeSession('no-such-session')).rejects.toMatchObject({code: 'SESSION_NOT_FOUND'}); // past the proof
    // a renewed sign-in time is no typed proof: taking a factor away still wants the password or a code
    await expect(c.disableTotp()).rejects.toMatchObject({code: 'RECENT_SIGN_IN_REQUIRED'});
    c.stop();
  });

  it('passkeys: add (create + register with a name), list, rename, remove', async () => {
    const api = createFakeApi();
    api.addUser(EMAIL, PASSWORD);
    api.giveCookie(EMAIL);
    webauthn = installWebAuthn();
    const c = client(api);
    c.start();
    await expect(c.addPasskey('Work laptop')).rejects.toMatchObject({code: 'RECENT_SIGN_IN_REQUIRED'});
    const added = await c.addPasskey('  Work laptop ', {password: PASSWORD});
    expect(added).toMatchObject({name: 'Work laptop', transports: ['internal', 'hybrid']});
    const created = webauthn.state.requests[0].options as CredentialCreationOptions;
    expect(created.publicKey!.challenge).toBeInstanceOf(ArrayBuffer);
    expect(api.callsTo('/auth/passkeys/register')[0].body).toMatchObject({
      name: 'Work laptop',
      credential: {id: 'new-cred-1', rawId: 'bmV3LWNyZWQtMQ', response: {attestationObject: expect.any(String), transports: ['internal', 'hybrid']}},
    });
    expect(await c.listPasskeys()).toHaveLength(1);
    expect(await c.renamePasskey(added.id, 'Desk')).toMatchObject({name: 'Desk'});
    // taking a factor away asks for the password (or a code) however recent the sign-in, like adding one
    await expect(c.removePasskey(added.id)).rejects.toMatchObject({code: 'RECENT_SIGN_IN_REQUIRED'});
    expect(await c.listPasskeys()).toHaveLength(1);
    await c.removePasskey(added.id, {password: PASSWORD});
    expect(await c.listPasskeys()).toEqual([]);
    await expect(c.removePasskey(added.id)).rejects.toMatchObject({code: 'PASSKEY_NOT_FOUND'});
    c.stop();
  });

  it('signs in with a passkey (both factors), even with the app on', async () => {
    const api = createFakeApi();
    api.addUser(EMAIL, PASSWORD);
    api.enableTotp(EMAIL);
    api.addPasskey(EMAIL, 'cred-1');
    webauthn = installWebAuthn();
    const c = client(api);
    await c.signInWithPasskey();
    expect(c.getSnapshot()).toMatchObject({status: 'signed-in', user: {email: EMAIL}});
    expect(api.callsTo('/auth/passkeys/authenticate')[0].credentials).toBe('include');
    webauthn.state.credentialId = 'unknown';
    await expect(c.signInWithPasskey()).rejects.toMatchObject({code: 'PASSKEY_INVALID'});
  });
});

it('the QR code keeps an SVG namespace it has, and gains one it lacks', () => {
  const ns = 'xmlns="http://www.w3.org/2000/svg"';
  const given = `<?xml version="1.0"?>\n<svg ${ns} width="2"></svg>`;
  expect(decodeURIComponent(svgDataUrl(given))).toBe(`data:image/svg+xml;charset=utf-8,${given}`);
  expect(decodeURIComponent(svgDataUrl('<svg width="2"></svg>'))).toContain(`<svg ${ns} width="2">`);
});

describe('webauthn.ts: JSON <-> the browser', () => {
  it('base64url round-trips any bytes', () => {
    const data = new Uint8Array(256).map((_, i) => i);
    const text = bufferToBase64url(data);
    expect(text).not.toMatch(/[+/=]/);
    expect(new Uint8Array(base64urlToBuffer(text))).toEqual(data);
    expect(bufferToBase64url(base64urlToBuffer('-_8'))).toBe('-_8');
  });

  it('falls back to its own parsing where the browser has no parse*FromJSON', () => {
    webauthn = installWebAuthn();
    const creation = parseCreationOptions({
      rp: {id: 'localhost', name: 'Site'},
      user: {id: 'dXNlcg', name: 'a', displayName: 'a'},
      challenge: 'AAEC',
      pubKeyCredParams: [{type: 'public-key', alg: -7}],
      excludeCredentials: [{type: 'public-key', id: 'AQI', transports: ['internal']}],
      hints: ['client-device'],
    });
    expect(new Uint8Array(creation.challenge as ArrayBuffer)).toEqual(new Uint8Array([0, 1, 2]));
    expect(new TextDecoder().decode(creation.user.id as ArrayBuffer)).toBe('user');
    expect(new Uint8Array(creation.excludeCredentials![0].id as ArrayBuffer)).toEqual(new Uint8Array([1, 2]));
    expect(creation).not.toHaveProperty('hints');
    const request = parseRequestOptions({challenge: 'AAEC', userVerification: 'required', allowCredentials: [{type: 'public-key', id: 'AQI'}]});
    expect(request.userVerification).toBe('required');
    expect(request.allowCredentials![0].id).toBeInstanceOf(ArrayBuffer);
  });

  it("uses the browser's own parse*FromJSON and toJSON where they exist", () => {
    webauthn = installWebAuthn({native: true});
    expect(parseRequestOptions({challenge: 'AAEC'})).toMatchObject({parsed: 'native'});
    const json = {id: 'x', rawId: 'x', type: 'public-key', response: {}, clientExtensionResults: {}};
    expect(credentialToJSON({toJSON: () => json} as unknown as PublicKeyCredential)).toBe(json);
  });
});

describe('sign-in page: second factor and passkeys', () => {
  it('a challenge goes to /auth/two-factor (keeping next); the code signs in and returns to next', async () => {
    const api = createFakeApi();
    api.addUser(EMAIL, PASSWORD);
    api.enableTotp(EMAIL);
    const user = userEvent.setup();
    renderAt(<SignInPages />, {api, path: '/auth/login?next=%2Fdocs%2Fbalance'});
    await user.type(await screen.findByLabelText('Email'), EMAIL);
    await user.type(screen.getByLabelText('Password'), PASSWORD);
    await user.click(screen.getByRole('button', {name: 'Sign In'}));

    await waitFor(() => expect(location()).toBe('/auth/two-factor?next=%2Fdocs%2Fbalance'));
    const code = await screen.findByLabelText('Authentication code');
    expect(code).toHaveFocus();
    expect(code).toHaveAttribute('autocomplete', 'one-time-code');
    expect(code).toHaveAttribute('inputmode', 'numeric');
    // no WebAuthn in this browser, so no passkey offer
    expect(screen.queryByRole('button', {name: /passkey/i})).toBeNull();

    await user.type(code, '12345{Enter}');
    expect(await screen.findByText('The code has 6 digits.')).toBeVisible();
    expect(api.callsTo('/auth/mfa/verify')).toHaveLength(0);

    await user.clear(code);
    await user.type(code, '000000{Enter}');
    expect(await screen.findByText(/That code is not right/)).toBeVisible();
    expect(screen.getByLabelText('Authentication code')).toHaveFocus();
    expect(screen.getByLabelText('Authentication code')).toHaveAttribute('aria-invalid', 'true');

    await user.clear(code);
    await user.type(code, `${TOTP_CODE}{Enter}`);
    await waitFor(() => expect(location()).toBe('/docs/balance'));
  });

  it('"Use a backup code instead" takes a backup code in the same field', async () => {
    const api = createFakeApi();
    api.addUser(EMAIL, PASSWORD);
    const [backup] = api.enableTotp(EMAIL);
    const c = client(api);
    await c.signIn(EMAIL, PASSWORD);
    const user = userEvent.setup();
    renderAt(<SignInPages />, {api, path: '/auth/two-factor?next=%2Fdocs%2Fintro'});
    await user.click(await screen.findByRole('button', {name: 'Use a backup code instead'}));
    const field = screen.getByLabelText('Backup code');
    expect(field).toHaveFocus();
    await user.type(field, `${backup}{Enter}`);
    await waitFor(() => expect(location()).toBe('/docs/intro'));
    expect(api.callsTo('/auth/mfa/verify')[0]).toMatchObject({credentials: 'include', body: {code: backup}});
  });

  it('an expired challenge says so, with a link back to signing in', async () => {
    const api = createFakeApi();
    const user = userEvent.setup();
    renderAt(<SignInPages />, {api, path: '/auth/two-factor?next=%2Fdocs%2Fintro'});
    await user.type(await screen.findByLabelText('Authentication code'), `${TOTP_CODE}{Enter}`);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('This sign-in has expired or was already finished.');
    await user.click(within(alert).getByRole('link', {name: 'Sign in again'}));
    expect(location()).toBe('/auth/login?next=%2Fdocs%2Fintro');
  });

  it('"Use a passkey instead" is offered when the challenge names passkeys and the browser has WebAuthn', async () => {
    const api = createFakeApi();
    api.addUser(EMAIL, PASSWORD);
    api.enableTotp(EMAIL);
    api.addPasskey(EMAIL, 'cred-1');
    webauthn = installWebAuthn({conditional: false});
    const user = userEvent.setup();
    const {client: c} = renderAt(<SignInPages />, {api, path: '/auth/login?next=%2Fdocs%2Fintro'});
    await user.type(await screen.findByLabelText('Email'), EMAIL);
    await user.type(screen.getByLabelText('Password'), `${PASSWORD}{Enter}`);
    await user.click(await screen.findByRole('button', {name: 'Use a passkey instead'}));
    await waitFor(() => expect(location()).toBe('/docs/intro'));
    expect(c.getSnapshot().status).toBe('signed-in');
  });

  it('"Sign in with a passkey": the autofill request is aborted first, then the dialog signs in', async () => {
    const api = createFakeApi();
    api.addUser(EMAIL, PASSWORD);
    api.addPasskey(EMAIL, 'cred-1');
    webauthn = installWebAuthn();
    const user = userEvent.setup();
    renderAt(<SignInPages />, {api, path: '/auth/login?next=%2Fdocs%2Fintro'});
    expect(await screen.findByLabelText('Email')).toHaveAttribute('autocomplete', 'username webauthn');
    // the passkeys are offered in the email field's autofill: a conditional request is pending
    await waitFor(() => expect(webauthn!.state.pendingConditional).not.toBeNull());
    const conditional = webauthn.state.requests[0].options as CredentialRequestOptions;
    expect(conditional.mediation).toBe('conditional');

    await user.click(screen.getByRole('button', {name: 'Sign in with a passkey'}));
    await waitFor(() => expect(location()).toBe('/docs/intro'));
    expect(conditional.signal!.aborted).toBe(true);
    expect(webauthn.state.requests.map((r) => (r.options as CredentialRequestOptions).mediation ?? 'modal')).toEqual([
      'conditional',
      'modal',
    ]);
  });

  it('a passkey picked from the email autofill signs in', async () => {
    const api = createFakeApi();
    api.addUser(EMAIL, PASSWORD);
    api.addPasskey(EMAIL, 'cred-7');
    webauthn = installWebAuthn();
    renderAt(<SignInPages />, {api, path: '/auth/login?next=%2Fdocs%2Fintro'});
    await waitFor(() => expect(webauthn!.state.pendingConditional).not.toBeNull());
    act(() => webauthn!.pickFromAutofill('cred-7'));
    await waitFor(() => expect(location()).toBe('/docs/intro'));
  });

  it('a password sign-in aborts the autofill request; a cancelled passkey dialog says so', async () => {
    const api = createFakeApi();
    api.addUser(EMAIL, PASSWORD);
    webauthn = installWebAuthn();
    const user = userEvent.setup();
    renderAt(<SignInPages />, {api, path: '/auth/login'});
    await waitFor(() => expect(webauthn!.state.pendingConditional).not.toBeNull());
    webauthn.state.cancelNext = true;
    await user.click(screen.getByRole('button', {name: 'Sign in with a passkey'}));
    expect(await screen.findByRole('alert')).toHaveTextContent('The passkey request was cancelled or timed out.');
    // offered again in the autofill afterwards
    await waitFor(() => expect(webauthn!.state.pendingConditional).not.toBeNull());
    const second = webauthn.state.requests.at(-1)!.options as CredentialRequestOptions;

    await user.type(screen.getByLabelText('Email'), EMAIL);
    await user.type(screen.getByLabelText('Password'), `${PASSWORD}{Enter}`);
    await waitFor(() => expect(location()).toBe('/'));
    expect(second.signal!.aborted).toBe(true);
  });

  it('without WebAuthn there is no passkey button and no autofill request', async () => {
    const api = createFakeApi();
    renderAt(<SignInPages />, {api, path: '/auth/login'});
    await screen.findByLabelText('Email');
    expect(screen.queryByRole('button', {name: 'Sign in with a passkey'})).toBeNull();
    expect(api.callsTo('/auth/passkeys/authenticate/options')).toHaveLength(0);
  });
});

// ---- the account page ----

async function openSecurity(user: UserEvent) {
  const heading = await screen.findByRole('heading', {name: 'Sign-in security'});
  await user.click(heading);
  return heading.closest('details') as HTMLElement;
}

function signedIn(options: {now?: () => number} = {}) {
  const api = createFakeApi(options);
  api.addUser(EMAIL, PASSWORD);
  api.giveCookie(EMAIL);
  return api;
}

describe('account page: Sign-in security', () => {
  it('sets up the app: the QR code as an image, the key in groups, a code, then the backup codes once', async () => {
    const api = signedIn();
    const user = userEvent.setup();
    const created: Blob[] = [];
    const createObjectURL = vi.fn((blob: Blob) => {
      created.push(blob);
      return 'blob:codes';
    });
    Object.assign(URL, {createObjectURL, revokeObjectURL: vi.fn()});
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {});
    renderAt(<AuthgateAccountPage />, {api, path: '/auth/account'});
    const section = await openSecurity(user);
    expect(await within(section).findByText('Off')).toBeVisible();
    expect(await within(section).findByText('You have no passkeys yet.')).toBeVisible();

    await user.click(within(section).getByRole('button', {name: 'Set up an authenticator app'}));
    await confirmWithPassword(user, section, 'To set up an authenticator app, enter your password.');
    const qr = await within(section).findByRole('img', {name: 'QR code for your authenticator app'});
    // an image, never markup in the page: the script in the SVG cannot run
    // (the SVG namespace added: an SVG written for inlining has none, and an image needs it)
    expect(decodeURIComponent(qr.getAttribute('src')!)).toBe(
      `data:image/svg+xml;charset=utf-8,${QR_SVG.replace('<svg', '<svg xmlns="http://www.w3.org/2000/svg"')}`,
    );
    expect(section.querySelector('script')).toBeNull();
    expect((window as {pwned?: number}).pwned).toBeUndefined();
    expect(within(section).getByLabelText('Key for your authenticator app')).toHaveTextContent('JBSW Y3DP EHPK 3PXP JBSW Y3DP');

    const field = within(section).getByLabelText('Code from the app');
    await user.type(field, '111111');
    await user.click(within(section).getByRole('button', {name: 'Turn on'}));
    expect(await within(section).findByText(/That code is not right/)).toBeVisible();
    expect(field).toHaveFocus();
    await user.clear(field);
    await user.type(field, TOTP_CODE);
    await user.click(within(section).getByRole('button', {name: 'Turn on'}));

    const list = await within(section).findByRole('list', {name: 'Backup codes'});
    const shown = within(list).getAllByRole('listitem').map((li) => li.textContent);
    expect(shown).toEqual(api.mfaState(EMAIL).backup);
    await user.click(within(section).getByRole('button', {name: 'Download as text'}));
    expect(click).toHaveBeenCalled();
    expect(created[0].type).toBe('text/plain;charset=utf-8');
    const text = await created[0].text();
    for (const code of shown) expect(text).toContain(code!);

    await user.click(within(section).getByRole('button', {name: 'I have saved them'}));
    expect(within(section).queryByRole('list', {name: 'Backup codes'})).toBeNull();
    expect(await within(section).findByText('On')).toBeVisible();
    expect(within(section).getByText(/Backup codes left/)).toHaveTextContent('Backup codes left: 10 of 10.');
  });

  it('a sensitive change after an old sign-in asks for the password (or a code) once, then goes through', async () => {
    let t = Date.now();
    const api = signedIn({now: () => t});
    api.enableTotp(EMAIL);
    const user = userEvent.setup();
    renderAt(<AuthgateAccountPage />, {api, path: '/auth/account'});
    const section = await openSecurity(user);
    await within(section).findByText('On');
    t += 11 * 60 * 1000;

    await user.click(within(section).getByRole('button', {name: 'Create new backup codes'}));
    const prompt = await within(section).findByRole('form', {name: 'Confirm it is you'});
    expect(prompt).toHaveTextContent('To create new backup codes, enter your password.');
    const secret = within(prompt).getByLabelText('Your password');
    expect(secret).toHaveFocus();
    await user.type(secret, 'wrong password{Enter}');
    expect(await within(prompt).findByText('The password is incorrect')).toBeVisible();
    expect(api.callsTo('/auth/mfa/backup-codes').map((c) => c.body)).toEqual([{}, {password: 'wrong password'}]);

    // or a code of the app, in the same prompt
    await user.click(within(prompt).getByRole('button', {name: 'Use a code from your app instead'}));
    await user.type(within(prompt).getByLabelText('Code'), `${TOTP_CODE}{Enter}`);
    await within(section).findByRole('list', {name: 'Backup codes'});
    expect(within(section).queryByRole('form', {name: 'Confirm it is you'})).toBeNull();
    expect(api.callsTo('/auth/mfa/backup-codes').at(-1)!.body).toEqual({code: TOTP_CODE});
  });

  it('the prompt can be cancelled; turning two-step sign-in off asks for the password however recent the sign-in', async () => {
    let t = Date.now();
    const api = signedIn({now: () => t});
    api.enableTotp(EMAIL);
    // with a passkey too, which the prompt must not offer here
    api.addPasskey(EMAIL, 'cred-1');
    webauthn = installWebAuthn();
    const user = userEvent.setup();
    renderAt(<AuthgateAccountPage />, {api, path: '/auth/account'});
    const section = await openSecurity(user);
    await within(section).findByText('On');
    t += 11 * 60 * 1000;
    await user.click(within(section).getByRole('button', {name: 'Turn off two-step sign-in'}));
    const prompt = await within(section).findByRole('form', {name: 'Confirm it is you'});
    await user.click(within(prompt).getByRole('button', {name: 'Cancel'}));
    expect(within(section).queryByRole('form', {name: 'Confirm it is you'})).toBeNull();
    expect(api.mfaState(EMAIL).enabled).toBe(true);

    t -= 11 * 60 * 1000;
    await user.click(within(section).getByRole('button', {name: 'Turn off two-step sign-in'}));
    await confirmWithPassword(user, section, 'To turn off two-step sign-in');
    expect(await within(section).findByRole('status')).toHaveTextContent('Two-step sign-in is off.');
    expect(api.callsTo('/auth/mfa/totp').map((c) => c.body)).toEqual([{}, {}, {password: PASSWORD}]);
    expect(api.mfaState(EMAIL).enabled).toBe(false);
    expect(await within(section).findByText('Off')).toBeVisible();
  });

  it('passkeys: add with a name, rename, and remove after confirming with the password', async () => {
    const api = signedIn();
    webauthn = installWebAuthn();
    const user = userEvent.setup();
    renderAt(<AuthgateAccountPage />, {api, path: '/auth/account'});
    const section = await openSecurity(user);
    await within(section).findByText('You have no passkeys yet.');

    await user.type(within(section).getByLabelText(/Name of the new passkey/), 'Work laptop');
    await user.click(within(section).getByRole('button', {name: 'Add a passkey'}));
    await confirmWithPassword(user, section, 'To add a passkey, enter your password.');
    expect(await within(section).findByRole('status')).toHaveTextContent('Passkey “Work laptop” added.');
    const list = within(section).getByRole('list', {name: 'Your passkeys'});
    expect(within(list).getByText('Work laptop')).toBeVisible();
    expect(within(list).getByText(/not used yet/)).toBeVisible();

    await user.click(within(list).getByRole('button', {name: 'Rename Work laptop'}));
    const name = within(list).getByLabelText('New name');
    await user.clear(name);
    await user.type(name, 'Desk{Enter}');
    expect(await within(list).findByText('Desk')).toBeVisible();
    expect(api.callsTo(`/auth/passkeys/${api.mfaState(EMAIL).passkeys[0].id}`)[0]).toMatchObject({method: 'PATCH', body: {name: 'Desk'}});

    // however recent the sign-in, and the passkey itself is not offered as the proof (it could be the thief's)
    await user.click(within(list).getByRole('button', {name: 'Remove Desk'}));
    await confirmWithPassword(user, section, 'To remove the passkey “Desk”');
    expect(await within(section).findByText('You have no passkeys yet.')).toBeVisible();
    expect(api.callsTo('/auth/reauthenticate')).toHaveLength(0);
    expect(api.mfaState(EMAIL).passkeys).toEqual([]);
  });

  it('a cancelled passkey dialog while adding says so; without WebAuthn there is no "Add a passkey"', async () => {
    const api = signedIn();
    webauthn = installWebAuthn();
    webauthn.state.cancelNext = true;
    const user = userEvent.setup();
    const view = renderAt(<AuthgateAccountPage />, {api, path: '/auth/account'});
    let section = await openSecurity(user);
    await user.click(await within(section).findByRole('button', {name: 'Add a passkey'}));
    await confirmWithPassword(user, section);
    expect(await within(section).findByRole('alert')).toHaveTextContent('The passkey request was cancelled or timed out.');
    // the prompt closed: the action's own failure is told in its section, not as a wrong proof
    expect(within(section).queryByRole('form', {name: 'Confirm it is you'})).toBeNull();
    view.unmount();

    webauthn.uninstall();
    webauthn = null;
    renderAt(<AuthgateAccountPage />, {api, path: '/auth/account'});
    section = await openSecurity(user);
    expect(await within(section).findByText(/This browser cannot create passkeys/)).toBeVisible();
    expect(within(section).queryByRole('button', {name: 'Add a passkey'})).toBeNull();
  });
});

it('account page: an authenticator that already holds one of the passkeys is said in words', async () => {
  const api = signedIn();
  api.addPasskey(EMAIL, 'cred-1');
  webauthn = installWebAuthn();
  const user = userEvent.setup();
  renderAt(<AuthgateAccountPage />, {api, path: '/auth/account'});
  const section = await openSecurity(user);
  await within(section).findByRole('list', {name: 'Your passkeys'});
  await user.click(within(section).getByRole('button', {name: 'Add a passkey'}));
  await confirmWithPassword(user, section);
  expect(await within(section).findByRole('alert')).toHaveTextContent('already holds a passkey for your account');
  // the API named the existing passkey, so the browser could refuse a second one on the same authenticator
  const created = webauthn.state.requests[0].options as CredentialCreationOptions;
  expect(created.publicKey!.excludeCredentials).toHaveLength(1);
  expect(api.callsTo('/auth/passkeys/register')).toHaveLength(0);
});

describe('account page: ending sessions asks for a proof when the sign-in is old', () => {
  it('"Sign out" of another device opens the same prompt; it offers a code once GET /auth/mfa says the app is on', async () => {
    let t = Date.now();
    const api = signedIn({now: () => t});
    api.enableTotp(EMAIL);
    const phone = api.otherDevice(EMAIL, 'Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/140.0 Mobile Safari/537.36');
    const user = userEvent.setup();
    renderAt(<AuthgateAccountPage />, {api, path: '/auth/account'});
    const heading = await screen.findByRole('heading', {name: 'Signed-in devices'});
    await user.click(heading);
    const section = heading.closest('details') as HTMLElement;
    const list = await within(section).findByRole('list', {name: 'Signed-in devices'});
    t += 11 * 60 * 1000;
    await user.click(within(list).getByRole('button', {name: /^Sign out Chrome on Android/}));
    const prompt = await within(section).findByRole('form', {name: 'Confirm it is you'});
    expect(prompt).toHaveTextContent('To sign out Chrome on Android, enter your password.');
    await user.click(await within(prompt).findByRole('button', {name: 'Use a code from your app instead'}));
    await user.type(within(prompt).getByLabelText('Code'), `${TOTP_CODE}{Enter}`);
    expect(await within(section).findByRole('status')).toHaveTextContent('Signed out Chrome on Android.');
    expect(api.callsTo(`/auth/sessions/${phone}`).map((c) => c.body)).toEqual([undefined, {code: TOTP_CODE}]);
    expect(api.sessionsOf(EMAIL).map((row) => row.id)).not.toContain(phone);
  });

  it('"Sign out" of another device can be confirmed with a passkey: the sign-in is renewed, then it goes again', async () => {
    let t = Date.now();
    const api = signedIn({now: () => t});
    api.addPasskey(EMAIL, 'cred-1');
    webauthn = installWebAuthn();
    const phone = api.otherDevice(EMAIL, 'Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/140.0 Mobile Safari/537.36');
    const user = userEvent.setup();
    renderAt(<AuthgateAccountPage />, {api, path: '/auth/account'});
    const heading = await screen.findByRole('heading', {name: 'Signed-in devices'});
    await user.click(heading);
    const section = heading.closest('details') as HTMLElement;
    const list = await within(section).findByRole('list', {name: 'Signed-in devices'});
    t += 11 * 60 * 1000;
    await user.click(within(list).getByRole('button', {name: /^Sign out Chrome on Android/}));
    const prompt = await within(section).findByRole('form', {name: 'Confirm it is you'});
    await user.click(await within(prompt).findByRole('button', {name: 'Use a passkey instead'}));
    expect(await within(section).findByRole('status')).toHaveTextContent('Signed out Chrome on Android.');
    expect(api.callsTo('/auth/reauthenticate')[0].body).toMatchObject({passkey: {id: 'cred-1'}});
    expect(api.callsTo(`/auth/sessions/${phone}`).map((c) => c.body)).toEqual([undefined, undefined]);
  });
});

it('a passkey that does not verify (401 PASSKEY_INVALID) is not sent again after a refresh', async () => {
  let t = Date.now();
  const api = createFakeApi({now: () => t});
  api.addUser(EMAIL, PASSWORD);
  api.giveCookie(EMAIL);
  webauthn = installWebAuthn();
  webauthn.state.credentialId = 'not-mine';
  const c = client(api);
  c.start();
  await expect(c.reauthenticateWithPasskey()).rejects.toMatchObject({code: 'PASSKEY_INVALID', status: 401});
  expect(api.callsTo('/auth/reauthenticate')).toHaveLength(1);
  c.stop();
});

it('AuthError is what the client throws for API refusals', async () => {
  const api = createFakeApi();
  await expect(client(api).verifySecondFactor(TOTP_CODE)).rejects.toBeInstanceOf(AuthError);
});
