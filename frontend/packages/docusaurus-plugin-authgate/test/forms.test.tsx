import {screen, waitFor, within} from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import AuthgateLoginPage from '../src/theme/AuthgateLoginPage';
import AuthgateSignupPage from '../src/theme/AuthgateSignupPage';
import AuthgateAccountPage from '../src/theme/AuthgateAccountPage';
import {createFakeApi} from './fakeApi';
import {renderAt} from './helpers';

const PASSWORD = 'correct horse battery';

describe('login page', () => {
  it('has labelled fields and a "Sign In" button, and returns to ?next after signing in', async () => {
    const api = createFakeApi();
    api.addUser('ada@example.com', PASSWORD);
    const user = userEvent.setup();
    renderAt(<AuthgateLoginPage />, {api, path: '/auth/login?next=%2Fdocs%2Fbalance%3Fx%3D1'});

    await user.type(await screen.findByLabelText('Email'), 'ada@example.com');
    await user.type(screen.getByLabelText('Password'), PASSWORD);
    await user.click(screen.getByRole('button', {name: 'Sign In'}));

    await waitFor(() => expect(screen.getByTestId('location')).toHaveTextContent('/docs/balance?x=1'));
  });

  it('goes to the home page when ?next is an open redirect', async () => {
    const api = createFakeApi();
    api.addUser('ada@example.com', PASSWORD);
    const user = userEvent.setup();
    renderAt(<AuthgateLoginPage />, {api, path: '/auth/login?next=%2F%2Fevil.com%2Fphish'});

    await user.type(await screen.findByLabelText('Email'), 'ada@example.com');
    await user.type(screen.getByLabelText('Password'), `${PASSWORD}{Enter}`);
    await waitFor(() => expect(screen.getByTestId('location').textContent).toBe('/'));
  });

  it("shows the API's detail in an alert and keeps the reader on the form", async () => {
    const api = createFakeApi();
    api.addUser('ada@example.com', PASSWORD);
    const user = userEvent.setup();
    renderAt(<AuthgateLoginPage />, {api, path: '/auth/login'});

    await user.type(await screen.findByLabelText('Email'), 'ada@example.com');
    await user.type(screen.getByLabelText('Password'), 'not the password');
    await user.click(screen.getByRole('button', {name: 'Sign In'}));

    expect(await screen.findByRole('alert')).toHaveTextContent('Invalid email or password');
    expect(screen.getByRole('button', {name: 'Sign In'})).toBeEnabled();
    expect(screen.getByTestId('location')).toHaveTextContent('/auth/login');
  });

  it('shows a pending state: button disabled, "Signing in…"', async () => {
    const api = createFakeApi();
    api.addUser('ada@example.com', PASSWORD);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slowFetch: typeof fetch = async (input, init) => {
      if (String(input).endsWith('/auth/login')) await gate;
      return api.fetch(input, init);
    };
    const slowApi = {...api, fetch: slowFetch};
    const user = userEvent.setup();
    renderAt(<AuthgateLoginPage />, {api: slowApi, path: '/auth/login'});

    await user.type(await screen.findByLabelText('Email'), 'ada@example.com');
    await user.type(screen.getByLabelText('Password'), PASSWORD);
    await user.click(screen.getByRole('button', {name: 'Sign In'}));
    const pending = await screen.findByRole('button', {name: 'Signing in…'});
    expect(pending).toBeDisabled();
    await user.click(pending);
    release();
    await waitFor(() => expect(screen.getByTestId('location').textContent).toBe('/'));
    expect(api.callsTo('/auth/login')).toHaveLength(1);
  });

  it('checks the email on the client, without calling the API, and focuses the field', async () => {
    const api = createFakeApi();
    const user = userEvent.setup();
    renderAt(<AuthgateLoginPage />, {api, path: '/auth/login'});
    await user.type(await screen.findByLabelText('Email'), 'not-an-email');
    await user.click(screen.getByRole('button', {name: 'Sign In'}));

    const email = screen.getByLabelText('Email');
    expect(email).toHaveAttribute('aria-invalid', 'true');
    expect(email).toHaveAccessibleDescription(/valid email address/);
    expect(email).toHaveFocus();
    expect(api.callsTo('/auth/login')).toHaveLength(0);
  });
});

describe('signup page', () => {
  it('has the visible labels the contract names', async () => {
    const api = createFakeApi();
    renderAt(<AuthgateSignupPage />, {api, path: '/auth/signup'});
    for (const label of ['Email', 'Password', 'Experience level', 'Role', 'Organization']) {
      expect(await screen.findByLabelText(label)).toBeVisible();
    }
  });

  it('checks password length and asks for the free text when the role is "other"', async () => {
    const api = createFakeApi();
    const user = userEvent.setup();
    renderAt(<AuthgateSignupPage />, {api, path: '/auth/signup'});

    await user.type(await screen.findByLabelText('Email'), 'grace@example.com');
    await user.type(screen.getByLabelText('Password'), 'short');
    await user.selectOptions(screen.getByLabelText('Experience level'), 'intermediate');
    await user.selectOptions(screen.getByLabelText('Role'), 'other');
    expect(screen.getByLabelText('Your role')).toBeVisible();
    await user.click(screen.getByRole('button', {name: 'Create account'}));

    expect(screen.getByLabelText('Password')).toHaveAccessibleDescription(/at least 8 characters/);
    expect(screen.getByLabelText('Your role')).toHaveAccessibleDescription(/Tell us your role/);
    expect(screen.getByLabelText('Password')).toHaveFocus();
    expect(api.callsTo('/auth/signup')).toHaveLength(0);

    await user.type(screen.getByLabelText('Password'), 'x'.repeat(124));
    await user.click(screen.getByRole('button', {name: 'Create account'}));
    expect(screen.getByLabelText('Password')).toHaveAccessibleDescription(/at most 128 characters/);
  });

  it('signs up with the profile and goes to ?next', async () => {
    const api = createFakeApi();
    const user = userEvent.setup();
    renderAt(<AuthgateSignupPage />, {api, path: '/auth/signup?next=/docs/intro'});

    await user.type(await screen.findByLabelText('Email'), 'grace@example.com');
    await user.type(screen.getByLabelText('Password'), PASSWORD);
    await user.selectOptions(screen.getByLabelText('Experience level'), 'advanced');
    await user.selectOptions(screen.getByLabelText('Role'), 'other');
    await user.type(screen.getByLabelText('Your role'), 'Teacher');
    await user.type(screen.getByLabelText('Organization'), '  Navy  ');
    await user.click(screen.getByRole('button', {name: 'Create account'}));

    await waitFor(() => expect(screen.getByTestId('location')).toHaveTextContent('/docs/intro'));
    expect(api.callsTo('/auth/signup')[0].body).toEqual({
      email: 'grace@example.com',
      password: PASSWORD,
      experience_level: 'advanced',
      professional_role: 'other',
      role_other: 'Teacher',
      organization: 'Navy',
    });
  });

  it('shows a 409 detail in an alert', async () => {
    const api = createFakeApi();
    api.addUser('grace@example.com', PASSWORD);
    const user = userEvent.setup();
    renderAt(<AuthgateSignupPage />, {api, path: '/auth/signup'});
    await user.type(await screen.findByLabelText('Email'), 'grace@example.com');
    await user.type(screen.getByLabelText('Password'), PASSWORD);
    await user.selectOptions(screen.getByLabelText('Experience level'), 'beginner');
    await user.selectOptions(screen.getByLabelText('Role'), 'student');
    await user.click(screen.getByRole('button', {name: 'Create account'}));
    expect(await screen.findByRole('alert')).toHaveTextContent('An account with this email already exists');
  });
});

describe('account page', () => {
  it('shows the profile, saves an edit and signs out', async () => {
    const api = createFakeApi();
    api.addUser('ada@example.com', PASSWORD, {experience_level: 'beginner', professional_role: 'student'});
    api.giveCookie('ada@example.com');
    const user = userEvent.setup();
    renderAt(<AuthgateAccountPage />, {api, path: '/auth/account'});

    expect(await screen.findByText('ada@example.com')).toBeVisible();
    expect(screen.getByLabelText('Experience level')).toHaveValue('beginner');
    expect(screen.getByLabelText('Role')).toHaveValue('student');

    await user.selectOptions(screen.getByLabelText('Experience level'), 'advanced');
    await user.type(screen.getByLabelText('Organization'), 'Lab');
    await user.click(screen.getByRole('button', {name: 'Save changes'}));
    expect(await screen.findByRole('status')).toHaveTextContent(/saved/);
    expect(api.callsTo('/auth/me/profile')[0].body).toEqual({
      experience_level: 'advanced',
      professional_role: 'student',
      role_other: null,
      organization: 'Lab',
    });

    await user.click(screen.getByRole('button', {name: 'Sign out'}));
    expect(await screen.findByText(/You are signed out/)).toBeVisible();
    expect(within(screen.getByRole('main')).getByRole('link', {name: 'Sign in'})).toHaveAttribute(
      'href',
      '/auth/login?next=%2Fauth%2Faccount',
    );
  });

  it('shows a neutral placeholder while loading, never a wrong state', async () => {
    const api = createFakeApi();
    renderAt(<AuthgateAccountPage />, {api, path: '/auth/account'});
    expect(screen.getByRole('main')).toHaveAttribute('aria-busy', 'true');
    expect(screen.queryByText(/signed out/)).toBeNull();
    expect(await screen.findByText(/You are signed out/)).toBeVisible();
  });
});
