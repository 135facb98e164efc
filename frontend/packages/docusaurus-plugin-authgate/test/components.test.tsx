import {act, screen, waitFor} from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {ForExperience, ForRole, SignedIn, SignedOut, useAuth} from '../src/client';
import MDXComponents from '../src/theme/MDXComponents';
import ComponentTypes from '../src/theme/NavbarItem/ComponentTypes';
import AuthgateNavbarItem from '../src/theme/NavbarItem/AuthgateNavbarItem';
import {createFakeApi} from './fakeApi';
import {renderAt} from './helpers';

function Page() {
  return (
    <main>
      <SignedOut>
        <p>guest content</p>
      </SignedOut>
      <SignedIn loading={<p>checking…</p>}>
        <p>member content</p>
      </SignedIn>
      <ForExperience level="beginner">
        <p>beginner content</p>
      </ForExperience>
      <ForExperience level="intermediate|advanced">
        <p>experienced content</p>
      </ForExperience>
      <ForRole role="researcher">
        <p>researcher content</p>
      </ForRole>
      <ForRole role="student, engineer">
        <p>student or engineer content</p>
      </ForRole>
    </main>
  );
}

describe('MDX components', () => {
  it('show nothing but the loading fallback until the session is known', async () => {
    const api = createFakeApi();
    renderAt(<Page />, {api});
    expect(screen.getByRole('main')).toHaveTextContent(/^checking…$/);
    expect(await screen.findByText('guest content')).toBeVisible();
  });

  it('a signed-out reader sees only the signed-out content', async () => {
    const api = createFakeApi();
    renderAt(<Page />, {api});
    await screen.findByText('guest content');
    expect(screen.getByRole('main')).toHaveTextContent(/^guest content$/);
  });

  it('follow the profile, and follow changes to it', async () => {
    const api = createFakeApi();
    api.addUser('ada@example.com', 'correct horse battery', {experience_level: 'beginner', professional_role: 'researcher'});
    api.giveCookie('ada@example.com');
    let update!: ReturnType<typeof useAuth>['updateProfile'];
    function Grab() {
      update = useAuth().updateProfile;
      return null;
    }
    renderAt(
      <>
        <Page />
        <Grab />
      </>,
      {api},
    );
    await screen.findByText('member content');
    expect(screen.getByRole('main')).toHaveTextContent('member contentbeginner contentresearcher content');

    await act(() => update({experience_level: 'advanced', professional_role: 'engineer'}));
    expect(screen.getByRole('main')).toHaveTextContent('member contentexperienced contentstudent or engineer content');
  });

  it('are registered in MDXComponents next to the originals', () => {
    expect(MDXComponents).toMatchObject({h1: 'h1', SignedIn, SignedOut, ForExperience, ForRole});
  });
});

describe('navbar item', () => {
  it('is registered as the custom-authgate navbar item type', () => {
    expect(ComponentTypes['custom-authgate']).toBe(AuthgateNavbarItem);
    expect(ComponentTypes).toHaveProperty('default');
  });

  it('shows "Sign in" with the current page as next when signed out', async () => {
    const api = createFakeApi();
    renderAt(<AuthgateNavbarItem />, {api, path: '/docs/intro?x=1'});
    expect(await screen.findByRole('link', {name: 'Sign in'})).toHaveAttribute(
      'href',
      '/auth/login?next=%2Fdocs%2Fintro%3Fx%3D1',
    );
  });

  it('shows the email with a keyboard-usable menu: Account, Sign out', async () => {
    const api = createFakeApi();
    api.addUser('ada@example.com', 'correct horse battery');
    api.giveCookie('ada@example.com');
    const user = userEvent.setup();
    renderAt(<AuthgateNavbarItem />, {api, path: '/docs/intro'});

    const toggle = await screen.findByRole('button', {name: 'ada@example.com'});
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    toggle.focus();
    await user.keyboard('{Enter}');
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    expect(screen.getByRole('menuitem', {name: 'Account'})).toHaveAttribute('href', '/auth/account');
    await user.keyboard('{Escape}');
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    expect(toggle).toHaveFocus();

    await user.click(toggle);
    await user.click(screen.getByRole('menuitem', {name: 'Sign out'}));
    expect(await screen.findByRole('link', {name: 'Sign in'})).toBeVisible();
    await waitFor(() => expect(api.callsTo('/auth/logout')).toHaveLength(1));
  });

  it('renders menu entries in the mobile sidebar', async () => {
    const api = createFakeApi();
    api.addUser('ada@example.com', 'correct horse battery');
    api.giveCookie('ada@example.com');
    renderAt(
      <ul>
        <AuthgateNavbarItem mobile />
      </ul>,
      {api},
    );
    expect(await screen.findByText('ada@example.com')).toBeVisible();
    expect(screen.getByRole('link', {name: 'Account'})).toBeVisible();
    expect(screen.getByRole('button', {name: 'Sign out'})).toBeVisible();
  });
});
