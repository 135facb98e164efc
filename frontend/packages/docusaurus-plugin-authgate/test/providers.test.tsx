import {screen} from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {describe, expect, it} from 'vitest';
import AuthgateLoginPage from '../src/theme/AuthgateLoginPage';
import AuthgateSignupPage from '../src/theme/AuthgateSignupPage';
import AuthgateCompleteProfilePage from '../src/theme/AuthgateCompleteProfilePage';
import {createFakeApi} from './fakeApi';
import {renderAt} from './helpers';

const PASSWORD = 'correct horse battery';

describe('provider buttons', () => {
  it('offer each enabled provider, as a link to the API that comes back to next', async () => {
    const api = createFakeApi();
    api.providers.push({id: 'github', name: 'GitHub'}, {id: 'uni', name: 'University'});
    renderAt(<AuthgateLoginPage />, {api, path: '/auth/login?next=/docs/chapter-2'});
    const github = await screen.findByRole('link', {name: 'Continue with GitHub'});
    const url = new URL(github.getAttribute('href')!);
    expect(url.origin).toBe('http://api.test');
    expect(url.pathname).toBe('/auth/oauth/github/authorize');
    expect(url.searchParams.get('next')).toBe('/docs/chapter-2');
    expect(screen.getByRole('link', {name: 'Continue with University'})).toBeVisible();
  });

  it('are absent when no provider is enabled', async () => {
    const api = createFakeApi();
    renderAt(<AuthgateSignupPage />, {api, path: '/auth/signup'});
    await screen.findByRole('button', {name: 'Create account'});
    expect(api.callsTo('/auth/providers')).toHaveLength(1);
    expect(screen.queryByRole('link', {name: /Continue with/})).toBeNull();
  });

  it('a provider error sent back to the sign-in page is said in words', async () => {
    const api = createFakeApi();
    renderAt(<AuthgateLoginPage />, {api, path: '/auth/login?error=OAUTH_LINK_REQUIRED'});
    expect(await screen.findByRole('alert')).toHaveTextContent('An account already uses this email address');
  });
});

describe('profile completion', () => {
  it('asks a reader with no profile who they are, then goes on to next', async () => {
    const api = createFakeApi();
    api.addUser('octo@example.com', PASSWORD);
    // a reader who arrived through a provider: signed in, no profile yet
    (api.accounts.get('octo@example.com') as unknown as {profile: unknown}).profile = null;
    api.giveCookie('octo@example.com');
    const user = userEvent.setup();
    renderAt(<AuthgateCompleteProfilePage />, {api, path: '/auth/complete-profile?next=/docs/chapter-2'});
    await user.selectOptions(await screen.findByLabelText('Experience level'), 'advanced');
    await user.selectOptions(screen.getByLabelText('Role'), 'engineer');
    await user.click(screen.getByRole('button', {name: 'Continue'}));
    expect(await screen.findByTestId('location')).toHaveTextContent('/docs/chapter-2');
    expect(api.calls.find((c) => c.method === 'PATCH')?.authorization).toMatch(/^Bearer /);
  });
});
