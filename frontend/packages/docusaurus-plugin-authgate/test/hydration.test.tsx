// The pages that read the URL or the session render on the server (Docusaurus' static build, where the address
// has no query string and the session is unknown) exactly what the first client render makes of them, so
// hydration never mismatches (React's error #418) whatever the link the reader followed.
import type {ReactNode} from 'react';
import {renderToString} from 'react-dom/server';
import {hydrateRoot} from 'react-dom/client';
import {act, screen} from '@testing-library/react';
import {MemoryRouter} from 'react-router-dom';
import {AuthClient, AuthProvider} from '../src/client';
import AuthgateLoginPage from '../src/theme/AuthgateLoginPage';
import AuthgateSignupPage from '../src/theme/AuthgateSignupPage';
import AuthgateForgotPasswordPage from '../src/theme/AuthgateForgotPasswordPage';
import AuthgateResetPasswordPage from '../src/theme/AuthgateResetPasswordPage';
import AuthgateVerifyEmailPage from '../src/theme/AuthgateVerifyEmailPage';
import AuthgateAccountPage from '../src/theme/AuthgateAccountPage';
import AuthgateTwoFactorPage from '../src/theme/AuthgateTwoFactorPage';
import AuthgateCompleteProfilePage from '../src/theme/AuthgateCompleteProfilePage';
import AuthgateNavbarItem from '../src/theme/NavbarItem/AuthgateNavbarItem';
import {createFakeApi} from './fakeApi';
import type {FakeApi} from './fakeApi';
import {API} from './helpers';

function tree(page: ReactNode, path: string, api: FakeApi): ReactNode {
  const client = new AuthClient({apiBaseUrl: API, fetch: api.fetch, locks: null, createChannel: null});
  return (
    <MemoryRouter initialEntries={[path]}>
      <AuthProvider apiBaseUrl={API} client={client}>
        <AuthgateNavbarItem />
        {page}
      </AuthProvider>
    </MemoryRouter>
  );
}

/** Server-renders `page` at `serverPath`, hydrates it at `clientPath`, and returns the hydration errors. */
async function hydrate(page: ReactNode, serverPath: string, clientPath: string, api: FakeApi) {
  const container = document.createElement('div');
  container.innerHTML = renderToString(tree(page, serverPath, api));
  const serverHtml = container.innerHTML;
  document.body.append(container);
  const errors: unknown[] = [];
  await act(async () => {
    hydrateRoot(container, tree(page, clientPath, api), {onRecoverableError: (error) => errors.push(error)});
  });
  return {errors, serverHtml, container};
}

const PAGES: [string, ReactNode, string][] = [
  ['sign in', <AuthgateLoginPage />, '/auth/login?next=%2Fdocs%2Fintro&error=ACCESS_DENIED'],
  ['sign up', <AuthgateSignupPage />, '/auth/signup?next=%2Fdocs%2Fintro'],
  ['forgot password', <AuthgateForgotPasswordPage />, '/auth/forgot-password'],
  ['reset password', <AuthgateResetPasswordPage />, '/auth/reset-password?token=abc'],
  ['verify email', <AuthgateVerifyEmailPage />, '/auth/verify-email?token=abc'],
  ['account', <AuthgateAccountPage />, '/auth/account'],
  ['two-factor', <AuthgateTwoFactorPage />, '/auth/two-factor?next=%2Fdocs%2Fintro'],
  ['complete profile', <AuthgateCompleteProfilePage />, '/auth/complete-profile?next=%2Fdocs%2Fintro'],
];

describe('hydration: the server HTML and the first client render agree', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it.each(PAGES)('%s, signed in, with the query string of a link', async (_name, page, url) => {
    const api = createFakeApi();
    api.addUser('ada@example.com', 'correct horse battery');
    api.giveCookie('ada@example.com');
    const {errors} = await hydrate(page, url.split('?')[0], url, api);
    expect(errors).toEqual([]);
  });

  it.each(PAGES)('%s, signed out, with the query string of a link', async (_name, page, url) => {
    const api = createFakeApi();
    const {errors} = await hydrate(page, url.split('?')[0], url, api);
    expect(errors).toEqual([]);
  });

  it('a mailed link: the server HTML says "Checking your link…", never "open the link from the email"', async () => {
    const api = createFakeApi();
    api.addUser('ada@example.com', 'correct horse battery');
    const token = api.mailVerification('ada@example.com');
    const {serverHtml} = await hydrate(<AuthgateVerifyEmailPage />, '/auth/verify-email', `/auth/verify-email?token=${token}`, api);
    expect(serverHtml).toContain('Checking your link…');
    expect(serverHtml).not.toMatch(/open the link from/i);
    // then the page reads the token and verifies the address
    expect(await screen.findByRole('heading', {name: 'Your email is verified'})).toBeVisible();
  });
});
