// The pages opened from mailed links (forgot, reset, verify), the sign-in page's link to them,
// and the "verify your email" banner, against the fake API.
import {StrictMode} from 'react';
import {act, screen, waitFor, within} from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import AuthgateLoginPage from '../src/theme/AuthgateLoginPage';
import AuthgateForgotPasswordPage from '../src/theme/AuthgateForgotPasswordPage';
import AuthgateResetPasswordPage from '../src/theme/AuthgateResetPasswordPage';
import AuthgateVerifyEmailPage from '../src/theme/AuthgateVerifyEmailPage';
import VerifyEmailBanner from '../src/theme/Authgate/VerifyEmailBanner';
import pluginAuthgate, {validateOptions} from '../src/index';
import {createFakeApi} from './fakeApi';
import {renderAt} from './helpers';

const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'a brand new passphrase';

describe('sign-in page', () => {
  it('links to the forgot-password page', async () => {
    const api = createFakeApi();
    renderAt(<AuthgateLoginPage />, {api, path: '/auth/login'});
    expect(await screen.findByRole('link', {name: 'Forgot password?'})).toHaveAttribute('href', '/auth/forgot-password');
  });

  it('offers a reset when the API says the account needs one', async () => {
    const api = createFakeApi();
    const locked: typeof fetch = async (input, init) =>
      String(input).endsWith('/auth/login')
        ? new Response(
            JSON.stringify({detail: 'Too many failed sign-ins; reset your password', code: 'PASSWORD_RESET_REQUIRED'}),
            {status: 403, headers: {'Content-Type': 'application/json'}},
          )
        : api.fetch(input, init);
    const user = userEvent.setup();
    renderAt(<AuthgateLoginPage />, {api: {...api, fetch: locked}, path: '/auth/login'});
    await user.type(await screen.findByLabelText('Email'), 'ada@example.com');
    await user.type(screen.getByLabelText('Password'), `${PASSWORD}{Enter}`);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('reset your password');
    expect(within(alert).getByRole('link', {name: 'Reset your password'})).toHaveAttribute('href', '/auth/forgot-password');
  });
});

describe('forgot-password page', () => {
  async function ask(email: string, known: boolean) {
    const api = createFakeApi();
    if (known) api.addUser(email, PASSWORD);
    const user = userEvent.setup();
    const view = renderAt(<AuthgateForgotPasswordPage />, {api, path: '/auth/forgot-password'});
    await user.type(await screen.findByLabelText('Email'), `${email}{Enter}`);
    const heading = await screen.findByRole('heading', {name: 'Check your email'});
    const text = heading.closest('.authgate-card')!.textContent;
    view.unmount();
    return {api, text};
  }

  it('shows the same confirmation for a known and an unknown address, and mails only the known one', async () => {
    const known = await ask('ada@example.com', true);
    const unknown = await ask('ada@example.com', false);
    expect(known.text).toBe(unknown.text);
    expect(known.text).toMatch(/If an account uses ada@example.com/);
    expect(known.api.callsTo('/auth/forgot-password')[0]).toMatchObject({method: 'POST', body: {email: 'ada@example.com'}});
    expect(known.api.mails.filter((m) => m.kind === 'reset')).toHaveLength(1);
    expect(unknown.api.mails).toHaveLength(0);
  });

  it('checks the address before calling the API and focuses the field', async () => {
    const api = createFakeApi();
    const user = userEvent.setup();
    renderAt(<AuthgateForgotPasswordPage />, {api, path: '/auth/forgot-password'});
    await user.type(await screen.findByLabelText('Email'), 'ada@');
    await user.click(screen.getByRole('button', {name: 'Send reset link'}));
    expect(screen.getByLabelText('Email')).toHaveAccessibleDescription(/valid email address/);
    expect(screen.getByLabelText('Email')).toHaveFocus();
    expect(api.callsTo('/auth/forgot-password')).toHaveLength(0);
  });

  it('shows a pending state, sends once, and shows a 429 in an alert', async () => {
    const api = createFakeApi();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const throttled: typeof fetch = async (input, init) => {
      if (String(input).endsWith('/auth/forgot-password')) {
        await api.fetch(input, init);
        await gate;
        return new Response(JSON.stringify({detail: 'Too many requests; try again later', code: 'RATE_LIMITED'}), {
          status: 429,
          headers: {'Content-Type': 'application/json', 'Retry-After': '60'},
        });
      }
      return api.fetch(input, init);
    };
    const user = userEvent.setup();
    renderAt(<AuthgateForgotPasswordPage />, {api: {...api, fetch: throttled}, path: '/auth/forgot-password'});
    await user.type(await screen.findByLabelText('Email'), 'ada@example.com');
    await user.click(screen.getByRole('button', {name: 'Send reset link'}));
    const pending = await screen.findByRole('button', {name: 'Sending…'});
    expect(pending).toBeDisabled();
    await user.click(pending);
    release();
    expect(await screen.findByRole('alert')).toHaveTextContent('Too many requests');
    expect(api.callsTo('/auth/forgot-password')).toHaveLength(1);
    expect(screen.getByRole('button', {name: 'Send reset link'})).toBeEnabled();
  });
});

describe('reset-password page', () => {
  it('sets the new password with the mailed token, takes the token out of the address bar, and links to sign in', async () => {
    const api = createFakeApi();
    api.addUser('ada@example.com', PASSWORD);
    await api.fetch('http://api.test/auth/forgot-password', {method: 'POST', body: JSON.stringify({email: 'ada@example.com'})});
    const token = api.lastToken('ada@example.com', 'reset');
    const user = userEvent.setup();
    renderAt(<AuthgateResetPasswordPage />, {api, path: `/auth/reset-password?token=${token}`});

    await waitFor(() => expect(screen.getByTestId('location').textContent).toBe('/auth/reset-password'));
    await user.type(screen.getByLabelText('New password'), NEW_PASSWORD);
    await user.type(screen.getByLabelText('Confirm new password'), NEW_PASSWORD);
    await user.click(screen.getByRole('button', {name: 'Set new password'}));

    expect(await screen.findByRole('heading', {name: 'Your password is changed'})).toBeVisible();
    expect(screen.getByRole('link', {name: 'Sign in'})).toHaveAttribute('href', '/auth/login');
    expect(api.callsTo('/auth/reset-password')[0].body).toEqual({token, new_password: NEW_PASSWORD});
    expect(api.accounts.get('ada@example.com')!.password).toBe(NEW_PASSWORD);
  });

  it('checks length and that the two passwords match before calling the API', async () => {
    const api = createFakeApi();
    const user = userEvent.setup();
    renderAt(<AuthgateResetPasswordPage />, {api, path: '/auth/reset-password?token=abc'});
    await user.type(await screen.findByLabelText('New password'), 'short');
    await user.click(screen.getByRole('button', {name: 'Set new password'}));
    expect(screen.getByLabelText('New password')).toHaveAccessibleDescription(/at least 8 characters/);
    expect(screen.getByLabelText('New password')).toHaveFocus();
    await user.type(screen.getByLabelText('New password'), ' but longer now');
    await user.type(screen.getByLabelText('Confirm new password'), 'something else');
    await user.click(screen.getByRole('button', {name: 'Set new password'}));
    expect(screen.getByLabelText('Confirm new password')).toHaveAccessibleDescription(/do not match/);
    expect(api.callsTo('/auth/reset-password')).toHaveLength(0);
  });

  it('says when a link was already used, and offers a new one', async () => {
    const api = createFakeApi();
    api.addUser('ada@example.com', PASSWORD);
    await api.fetch('http://api.test/auth/forgot-password', {method: 'POST', body: JSON.stringify({email: 'ada@example.com'})});
    const token = api.lastToken('ada@example.com', 'reset');
    await api.fetch('http://api.test/auth/reset-password', {
      method: 'POST',
      body: JSON.stringify({token, new_password: 'first use of the link'}),
    });
    const user = userEvent.setup();
    renderAt(<AuthgateResetPasswordPage />, {api, path: `/auth/reset-password?token=${token}`});
    await user.type(await screen.findByLabelText('New password'), NEW_PASSWORD);
    await user.type(screen.getByLabelText('Confirm new password'), `${NEW_PASSWORD}{Enter}`);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('invalid or has expired');
    expect(within(alert).getByRole('link', {name: 'Send me a new link'})).toHaveAttribute('href', '/auth/forgot-password');
    expect(api.accounts.get('ada@example.com')!.password).toBe('first use of the link');
  });

  it('without a token, sends the reader to ask for a link', async () => {
    const api = createFakeApi();
    renderAt(<AuthgateResetPasswordPage />, {api, path: '/auth/reset-password'});
    expect(await screen.findByRole('link', {name: 'Send me a link'})).toHaveAttribute('href', '/auth/forgot-password');
    expect(screen.queryByLabelText('New password')).toBeNull();
  });

  it('signs this tab out when the reset ends the session it was in', async () => {
    const api = createFakeApi();
    api.addUser('ada@example.com', PASSWORD);
    api.giveCookie('ada@example.com');
    api.mailVerification('ada@example.com');
    await api.fetch('http://api.test/auth/forgot-password', {method: 'POST', body: JSON.stringify({email: 'ada@example.com'})});
    const token = api.lastToken('ada@example.com', 'reset');
    const user = userEvent.setup();
    const {client} = renderAt(<AuthgateResetPasswordPage />, {api, path: `/auth/reset-password?token=${token}`});
    await waitFor(() => expect(client.getSnapshot().status).toBe('signed-in'));
    await user.type(screen.getByLabelText('New password'), NEW_PASSWORD);
    await user.type(screen.getByLabelText('Confirm new password'), `${NEW_PASSWORD}{Enter}`);
    await screen.findByRole('heading', {name: 'Your password is changed'});
    await waitFor(() => expect(client.getSnapshot().status).toBe('signed-out'));
  });
});

describe('verify-email page', () => {
  it('sends a single-use token once under StrictMode, and shows success', async () => {
    const api = createFakeApi();
    api.addUser('ada@example.com', PASSWORD);
    const token = api.mailVerification('ada@example.com');
    renderAt(
      <StrictMode>
        <AuthgateVerifyEmailPage />
      </StrictMode>,
      {api, path: `/auth/verify-email?token=${token}`},
    );
    expect(await screen.findByRole('heading', {name: 'Your email is verified'})).toBeVisible();
    expect(screen.getByText('ada@example.com')).toBeVisible();
    expect(api.callsTo('/auth/verify-email')).toHaveLength(1);
    // the cookie goes along: an email change keeps this browser's session and ends the others
    expect(api.callsTo('/auth/verify-email')[0].credentials).toBe('include');
    expect(api.accounts.get('ada@example.com')!.user.is_verified).toBe(true);
    expect(screen.getByTestId('location').textContent).toBe('/auth/verify-email');
    // signed out here: the way on is to sign in
    expect(screen.getByRole('link', {name: 'Sign in'})).toHaveAttribute('href', '/auth/login');
  });

  it('mounting the page again with the same token sends nothing more', async () => {
    const api = createFakeApi();
    api.addUser('ada@example.com', PASSWORD);
    const token = api.mailVerification('ada@example.com');
    const first = renderAt(<AuthgateVerifyEmailPage />, {api, path: `/auth/verify-email?token=${token}`});
    await screen.findByRole('heading', {name: 'Your email is verified'});
    first.unmount();
    // the same tab (same client) shows the same answer without spending the token again
    const {client} = first;
    const again = await client.verifyEmail(token);
    expect(again.email).toBe('ada@example.com');
    expect(api.callsTo('/auth/verify-email')).toHaveLength(1);
  });

  it('shows failure for a used token and lets a signed-in reader ask for a new link', async () => {
    const api = createFakeApi();
    api.addUser('ada@example.com', PASSWORD);
    api.giveCookie('ada@example.com');
    const token = api.mailVerification('ada@example.com');
    api.mailVerification('ada@example.com'); // supersedes the first
    const user = userEvent.setup();
    renderAt(<AuthgateVerifyEmailPage />, {api, path: `/auth/verify-email?token=${token}`});
    expect(await screen.findByRole('heading', {name: 'This link did not work'})).toBeVisible();
    expect(screen.getByRole('alert')).toHaveTextContent('invalid or has expired');
    await user.click(await screen.findByRole('button', {name: 'Send a new link'}));
    expect(await screen.findByRole('status')).toHaveTextContent('Check your inbox');
    expect(api.callsTo('/auth/verify-email/resend')).toHaveLength(1);
    expect(api.callsTo('/auth/verify-email/resend')[0].authorization).toMatch(/^Bearer /);
  });

  it('without a token says what the page is for, and calls nothing', async () => {
    const api = createFakeApi();
    renderAt(<AuthgateVerifyEmailPage />, {api, path: '/auth/verify-email'});
    expect(await screen.findByText(/needs the link from your verification email/)).toBeVisible();
    await waitFor(() => expect(api.callsTo('/auth/me')).toHaveLength(1));
    expect(api.callsTo('/auth/verify-email')).toHaveLength(0);
  });
});

/**
 * The browser as it opens a mailed link: the address bar holds `url`, and the head scripts the plugin adds to every
 * page run before anything else of the site (an analytics snippet, a client module, the app). Answers the address
 * those later scripts see, and the path the router starts on.
 */
function openMailedLink(url: string): {seenByLaterScripts: string; routerPath: string} {
  const options = validateOptions({
    options: {apiBaseUrl: 'http://api.test'},
    validate: () => ({}),
  } as unknown as Parameters<typeof validateOptions>[0]);
  const plugin = pluginAuthgate({siteConfig: {baseUrl: '/'}} as never, options);
  window.history.replaceState(null, '', url);
  const injected = plugin.injectHtmlTags?.({content: undefined});
  const tags = [injected?.headTags ?? []].flat();
  for (const tag of tags) {
    if (typeof tag === 'object' && tag.tagName === 'script' && tag.innerHTML) new Function(tag.innerHTML)();
  }
  return {
    seenByLaterScripts: window.location.href,
    routerPath: `${window.location.pathname}${window.location.search}${window.location.hash}`,
  };
}

describe('mailed tokens before the page hydrates', () => {
  afterEach(() => {
    window.history.replaceState(null, '', '/');
    delete (window as {__authgateMailedToken?: string}).__authgateMailedToken;
  });

  // attack pass: the reset token sat in the address bar until React's effect ran, after hydration. Every script of
  // the page ran before that: Google Analytics' `gtag('config')` (Docusaurus' gtag option) sends page_location with
  // the query string, a tag manager's page view, the site's client modules' onRouteDidUpdate. Whoever reads the
  // analytics then holds a live reset link for the account.
  it('a script that reads the address at page load never sees the reset token, and the page still resets with it', async () => {
    const api = createFakeApi();
    api.addUser('ada@example.com', PASSWORD);
    await api.fetch('http://api.test/auth/forgot-password', {method: 'POST', body: JSON.stringify({email: 'ada@example.com'})});
    const token = api.lastToken('ada@example.com', 'reset');

    const {seenByLaterScripts, routerPath} = openMailedLink(`/auth/reset-password?token=${token}&utm_source=mail#top`);
    expect(seenByLaterScripts).not.toContain(token);
    // the rest of the address is kept
    expect(routerPath).toBe('/auth/reset-password?utm_source=mail#top');

    const user = userEvent.setup();
    renderAt(<AuthgateResetPasswordPage />, {api, path: routerPath});
    await user.type(await screen.findByLabelText('New password'), NEW_PASSWORD);
    await user.type(screen.getByLabelText('Confirm new password'), `${NEW_PASSWORD}{Enter}`);
    expect(await screen.findByRole('heading', {name: 'Your password is changed'})).toBeVisible();
    expect(api.callsTo('/auth/reset-password')[0].body).toEqual({token, new_password: NEW_PASSWORD});
  });

  // attack pass: the same for the verification link (and the change-of-address link, which is one too)
  it('a script that reads the address at page load never sees the verification token, and the page still verifies', async () => {
    const api = createFakeApi();
    api.addUser('ada@example.com', PASSWORD);
    const token = api.mailVerification('ada@example.com');

    const {seenByLaterScripts, routerPath} = openMailedLink(`/auth/verify-email/?token=${token}`);
    expect(seenByLaterScripts).not.toContain(token);

    renderAt(<AuthgateVerifyEmailPage />, {api, path: routerPath});
    expect(await screen.findByRole('heading', {name: 'Your email is verified'})).toBeVisible();
    expect(api.callsTo('/auth/verify-email')[0].body).toEqual({token});
  });

  it('leaves a `token` parameter of any other page alone', () => {
    expect(openMailedLink('/docs/intro?token=not-ours').seenByLaterScripts).toContain('token=not-ours');
    expect((window as {__authgateMailedToken?: string}).__authgateMailedToken).toBeUndefined();
  });
});

describe('"verify your email" banner', () => {
  it('shows for an unverified reader, resends, and goes once the link is opened', async () => {
    const api = createFakeApi();
    api.addUser('ada@example.com', PASSWORD);
    api.giveCookie('ada@example.com');
    const user = userEvent.setup();
    const {client} = renderAt(<VerifyEmailBanner />, {api, path: '/docs/intro'});

    const banner = await screen.findByRole('region', {name: 'Verify your email'});
    expect(banner).toHaveTextContent('ada@example.com');
    expect(api.calls.map((c) => c.path)).toEqual(['/auth/me']); // no extra request to know
    await user.click(within(banner).getByRole('button', {name: 'Resend'}));
    expect(await within(banner).findByRole('status')).toHaveTextContent('Check your inbox');
    const token = api.lastToken('ada@example.com', 'verify');
    expect(api.callsTo('/auth/verify-email/resend')[0].authorization).toMatch(/^Bearer /);

    // the link opened in this tab (what the verify page does): the client re-reads the reader, the banner goes
    await act(() => client.verifyEmail(token));
    expect(screen.queryByRole('region', {name: 'Verify your email'})).toBeNull();
  });

  it('stays away for verified and signed-out readers, and on the verify page', async () => {
    const verified = createFakeApi();
    verified.addUser('ada@example.com', PASSWORD).user.is_verified = true;
    verified.giveCookie('ada@example.com');
    const a = renderAt(<VerifyEmailBanner />, {api: verified, path: '/'});
    await waitFor(() => expect(a.client.getSnapshot().status).toBe('signed-in'));
    expect(screen.queryByRole('region')).toBeNull();
    a.unmount();

    const unverified = createFakeApi();
    unverified.addUser('bob@example.com', PASSWORD);
    unverified.giveCookie('bob@example.com');
    const b = renderAt(<VerifyEmailBanner />, {api: unverified, path: '/auth/verify-email'});
    await waitFor(() => expect(b.client.getSnapshot().status).toBe('signed-in'));
    expect(screen.queryByRole('region')).toBeNull();
    b.unmount();

    const c = renderAt(<VerifyEmailBanner />, {api: createFakeApi(), path: '/'});
    await waitFor(() => expect(c.client.getSnapshot().status).toBe('signed-out'));
    expect(screen.queryByRole('region')).toBeNull();
  });
});
