// The account page's lifecycle sections (devices, password, email, activity, data, delete) against the fake API.
import {screen, waitFor, within} from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type {UserEvent} from '@testing-library/user-event';
import AuthgateAccountPage from '../src/theme/AuthgateAccountPage';
import {TOTP_CODE, createFakeApi} from './fakeApi';
import type {FakeApi} from './fakeApi';
import {renderAt} from './helpers';

const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'a brand new passphrase';
const PHONE = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/140.0 Mobile Safari/537.36';

function signedIn(email = 'ada@example.com') {
  const api = createFakeApi();
  api.addUser(email, PASSWORD);
  api.giveCookie(email);
  return api;
}

/** Opens the collapsible section called `name` and returns it. */
async function open(user: UserEvent, name: string) {
  const heading = await screen.findByRole('heading', {name});
  await user.click(heading);
  return heading.closest('details') as HTMLElement;
}

async function renderAccount(api: FakeApi) {
  const view = renderAt(<AuthgateAccountPage />, {api, path: '/auth/account'});
  await screen.findByText('ada@example.com');
  return view;
}

describe('account page: loading budget', () => {
  it('calls only GET /auth/me until a section that needs data is opened; sections open with the keyboard', async () => {
    const api = signedIn();
    const user = userEvent.setup();
    await renderAccount(api);
    for (const name of ['Email address', 'Password', 'Signed-in devices', 'Recent security activity', 'Your data', 'Delete account']) {
      expect(screen.getByRole('heading', {name})).toBeVisible();
    }
    expect(api.calls.map((c) => c.path)).toEqual(['/auth/me']);

    // (Enter and Space on a <summary> are the browser's own; the e2e tests press them in Chromium.)
    const summary = screen.getByRole('heading', {name: 'Signed-in devices'}).closest('summary')!;
    await user.click(summary);
    expect(summary.closest('details')).toHaveAttribute('open');
    await screen.findByRole('list', {name: 'Signed-in devices'});
    expect(api.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /auth/me', 'POST /auth/refresh', 'GET /auth/sessions']);
    await user.click(summary);
    expect(summary.closest('details')).not.toHaveAttribute('open');
    expect(screen.queryByRole('list', {name: 'Signed-in devices'})).toBeNull();
  });
});

describe('account page: signed-in devices', () => {
  it('lists the sessions with "This device", and signs another one out', async () => {
    const api = signedIn();
    const phone = api.otherDevice('ada@example.com', PHONE);
    const user = userEvent.setup();
    await renderAccount(api);
    const section = await open(user, 'Signed-in devices');
    const list = await within(section).findByRole('list', {name: 'Signed-in devices'});
    const items = within(list).getAllByRole('listitem');
    expect(items).toHaveLength(2);
    const mine = items.find((li) => within(li).queryByText('This device'))!;
    expect(mine).toHaveTextContent('Firefox on Linux');
    expect(within(mine).queryByRole('button')).toBeNull();
    // the cookie went along, so the API could say which session is this browser's
    expect(api.callsTo('/auth/sessions')[0]).toMatchObject({credentials: 'include', authorization: expect.stringMatching(/^Bearer /)});

    await user.click(within(list).getByRole('button', {name: /^Sign out Chrome on Android/}));
    expect(await within(section).findByRole('status')).toHaveTextContent('Signed out Chrome on Android.');
    expect(within(list).getAllByRole('listitem')).toHaveLength(1);
    expect(api.callsTo(`/auth/sessions/${phone}`)[0].method).toBe('DELETE');
    expect(api.sessionsOf('ada@example.com').map((s) => s.id)).not.toContain(phone);
  });

  it('"Sign out everywhere" ends every session, this one included', async () => {
    const api = signedIn();
    api.otherDevice('ada@example.com', PHONE);
    const user = userEvent.setup();
    const {client} = await renderAccount(api);
    const section = await open(user, 'Signed-in devices');
    await within(section).findByRole('list');
    await user.click(within(section).getByRole('button', {name: 'Sign out everywhere'}));
    expect(await screen.findByRole('heading', {name: 'Signed out everywhere'})).toBeVisible();
    expect(client.getSnapshot().status).toBe('signed-out');
    expect(api.sessionsOf('ada@example.com')).toHaveLength(0);
    expect(api.cookie).toBeNull();
  });
});

describe('account page: connected accounts', () => {
  /** A reader with GitHub connected, signed in seconds ago, who clicks "Disconnect GitHub": the prompt it opens. */
  async function disconnectingGitHub(api: FakeApi) {
    const github = api.addIdentity('ada@example.com', 'github', 'GitHub');
    const user = userEvent.setup();
    await renderAccount(api);
    const section = await open(user, 'Connected accounts');
    const list = await within(section).findByRole('list', {name: 'Connected accounts'});
    const click = async () => {
      await user.click(within(list).getByRole('button', {name: 'Disconnect GitHub'}));
      return within(section).findByRole('form', {name: 'Confirm it is you'});
    };
    return {github, user, section, list, click, prompt: await click()};
  }

  it('disconnecting a provider asks the one prompt for the password however recent the sign-in; cancelled, the provider stays', async () => {
    const api = signedIn();
    // the sign-in is seconds old: a stolen session must still not cut the reader's way in without the password
    const {github, user, section, list, click, prompt} = await disconnectingGitHub(api);
    expect(prompt).toHaveTextContent('To disconnect GitHub, enter your password.');
    await user.click(within(prompt).getByRole('button', {name: 'Cancel'}));
    expect(within(list).getByText('GitHub')).toBeVisible();
    expect(api.identitiesOf('ada@example.com')).toHaveLength(1);

    await user.type(within(await click()).getByLabelText('Your password'), `${PASSWORD}{Enter}`);
    expect(await within(section).findByRole('status')).toHaveTextContent('GitHub was disconnected.');
    expect(within(section).queryByRole('form', {name: 'Confirm it is you'})).toBeNull();
    expect(api.identitiesOf('ada@example.com')).toEqual([]);
    expect(api.callsTo(`/auth/identities/${github.id}`).map((c) => c.body)).toEqual([{}, {}, {password: PASSWORD}]);
  });

  it('a reader with the app on may answer with a code instead of the password', async () => {
    const api = signedIn();
    api.enableTotp('ada@example.com');
    const {github, user, section, prompt} = await disconnectingGitHub(api);
    await user.click(await within(prompt).findByRole('button', {name: 'Use a code from your app instead'}));
    await user.type(within(prompt).getByLabelText('Code'), `${TOTP_CODE}{Enter}`);
    expect(await within(section).findByRole('status')).toHaveTextContent('GitHub was disconnected.');
    expect(api.callsTo(`/auth/identities/${github.id}`).at(-1)!.body).toEqual({code: TOTP_CODE});
  });
});

describe('account page: password', () => {
  it('refuses a wrong current password on the field, then changes it and keeps this tab on the new token', async () => {
    const api = signedIn();
    api.otherDevice('ada@example.com', PHONE);
    const user = userEvent.setup();
    const {client} = await renderAccount(api);
    const section = await open(user, 'Password');

    await user.type(within(section).getByLabelText('Current password'), 'not my password');
    await user.type(within(section).getByLabelText('New password'), NEW_PASSWORD);
    await user.type(within(section).getByLabelText('Confirm new password'), NEW_PASSWORD);
    await user.click(within(section).getByRole('button', {name: 'Change password'}));
    const current = within(section).getByLabelText('Current password');
    await waitFor(() => expect(current).toHaveAccessibleDescription('The current password is incorrect'));
    expect(current).toHaveFocus();

    await user.clear(current);
    await user.type(current, PASSWORD);
    await user.click(within(section).getByRole('button', {name: 'Change password'}));
    expect(await within(section).findByRole('status')).toHaveTextContent('Your password is changed');
    expect(within(section).getByLabelText('New password')).toHaveValue('');

    // the token the API answered is the one this tab now uses: no refresh needed for the next call
    // one call per submit: the 401 about the wrong password was not retried after a refresh
    expect(api.callsTo('/auth/change-password')).toHaveLength(2);
    const token = await client.getAccessToken();
    const refreshes = api.callsTo('/auth/refresh').length;
    await client.listSessions();
    expect(api.callsTo('/auth/sessions').at(-1)!.authorization).toBe(`Bearer ${token}`);
    expect(api.callsTo('/auth/refresh')).toHaveLength(refreshes);
    // the other device was signed out, this one was not
    expect(api.sessionsOf('ada@example.com')).toHaveLength(1);
    expect(api.accounts.get('ada@example.com')!.password).toBe(NEW_PASSWORD);
  });

  it('checks the new password and the confirmation on the client', async () => {
    const api = signedIn();
    const user = userEvent.setup();
    await renderAccount(api);
    const section = await open(user, 'Password');
    await user.type(within(section).getByLabelText('Current password'), PASSWORD);
    await user.type(within(section).getByLabelText('New password'), PASSWORD);
    await user.click(within(section).getByRole('button', {name: 'Change password'}));
    expect(within(section).getByLabelText('New password')).toHaveAccessibleDescription(/different from the current/);
    await user.type(within(section).getByLabelText('New password'), '!');
    await user.type(within(section).getByLabelText('Confirm new password'), 'mismatch here');
    await user.click(within(section).getByRole('button', {name: 'Change password'}));
    expect(within(section).getByLabelText('Confirm new password')).toHaveAccessibleDescription(/do not match/);
    expect(api.callsTo('/auth/change-password')).toHaveLength(0);
  });
});

describe('account page: email', () => {
  it('asks the reader to check the new inbox; nothing changes until the link is opened', async () => {
    const api = signedIn();
    const user = userEvent.setup();
    await renderAccount(api);
    const section = await open(user, 'Email address');
    expect(within(section).getByText('Not verified')).toBeVisible();
    await user.type(within(section).getByLabelText('New email'), 'ada@new.example');
    await user.type(within(section).getByLabelText('Current password'), PASSWORD);
    await user.click(within(section).getByRole('button', {name: 'Change email'}));
    expect(await within(section).findByRole('status')).toHaveTextContent(/Check your inbox at ada@new\.example/);
    expect(api.callsTo('/auth/change-email')[0].body).toEqual({new_email: 'ada@new.example', password: PASSWORD});
    expect(api.mails.map((m) => `${m.kind} ${m.to}`)).toEqual(['verify ada@new.example', 'email-change-notice ada@example.com']);
    expect(screen.getByText('ada@example.com')).toBeVisible();
  });

  it('refuses the same address without a call, and a wrong password on the field', async () => {
    const api = signedIn();
    const user = userEvent.setup();
    await renderAccount(api);
    const section = await open(user, 'Email address');
    await user.type(within(section).getByLabelText('New email'), 'ADA@example.com');
    await user.type(within(section).getByLabelText('Current password'), 'wrong password');
    await user.click(within(section).getByRole('button', {name: 'Change email'}));
    expect(within(section).getByLabelText('New email')).toHaveAccessibleDescription(/already your email/);
    expect(api.callsTo('/auth/change-email')).toHaveLength(0);
    await user.clear(within(section).getByLabelText('New email'));
    await user.type(within(section).getByLabelText('New email'), 'ada@new.example{Enter}');
    await waitFor(() =>
      expect(within(section).getByLabelText('Current password')).toHaveAccessibleDescription('The current password is incorrect'),
    );
  });
});

describe('account page: activity and data', () => {
  it('shows recent security events in words', async () => {
    const api = signedIn();
    const user = userEvent.setup();
    await renderAccount(api);
    const section = await open(user, 'Recent security activity');
    const list = await within(section).findByRole('list', {name: 'Recent security activity'});
    expect(within(list).getAllByRole('listitem')[0]).toHaveTextContent('Signed in');
    expect(api.callsTo('/auth/me/events')).toHaveLength(1);
  });

  it('downloads the export as a JSON file', async () => {
    const api = signedIn();
    const user = userEvent.setup();
    const blobs: Blob[] = [];
    const clicked: {href: string; download: string}[] = [];
    Object.assign(URL, {
      createObjectURL: vi.fn((blob: Blob) => {
        blobs.push(blob);
        return 'blob:export';
      }),
      revokeObjectURL: vi.fn(),
    });
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push({href: this.getAttribute('href')!, download: this.download});
    });
    await renderAccount(api);
    const section = await open(user, 'Your data');
    await user.click(within(section).getByRole('button', {name: 'Download my data'}));
    expect(await within(section).findByRole('status')).toHaveTextContent(/authgate-export-\d{4}-\d{2}-\d{2}\.json/);
    expect(clicked).toEqual([{href: 'blob:export', download: expect.stringMatching(/^authgate-export-.*\.json$/)}]);
    expect(blobs[0].type).toBe('application/json');
    const data = JSON.parse(await blobs[0].text());
    expect(data.user.email).toBe('ada@example.com');
    expect(Object.keys(data).sort()).toEqual(['events', 'identities', 'passkeys', 'profile', 'second_factor', 'sessions', 'user']);
  });
});

describe('account page: delete', () => {
  it('needs the password and an explicit confirmation, then signs out for good', async () => {
    const api = signedIn();
    const user = userEvent.setup();
    const {client} = await renderAccount(api);
    const section = await open(user, 'Delete account');

    await user.type(within(section).getByLabelText('Current password'), PASSWORD);
    await user.click(within(section).getByRole('button', {name: 'Delete my account'}));
    const box = within(section).getByRole('checkbox', {name: /deleted for good/});
    expect(box).toHaveAccessibleDescription(/Tick the box/);
    expect(box).toHaveFocus();
    expect(api.callsTo('/auth/me').filter((c) => c.method === 'DELETE')).toHaveLength(0);

    await user.click(box);
    await user.clear(within(section).getByLabelText('Current password'));
    await user.type(within(section).getByLabelText('Current password'), 'not it');
    await user.click(within(section).getByRole('button', {name: 'Delete my account'}));
    await waitFor(() =>
      expect(within(section).getByLabelText('Current password')).toHaveAccessibleDescription('The current password is incorrect'),
    );
    expect(api.accounts.has('ada@example.com')).toBe(true);

    await user.clear(within(section).getByLabelText('Current password'));
    await user.type(within(section).getByLabelText('Current password'), PASSWORD);
    await user.click(within(section).getByRole('button', {name: 'Delete my account'}));
    expect(await screen.findByRole('heading', {name: 'Your account is deleted'})).toBeVisible();
    expect(client.getSnapshot().status).toBe('signed-out');
    expect(api.accounts.has('ada@example.com')).toBe(false);
    const deletes = api.callsTo('/auth/me').filter((c) => c.method === 'DELETE');
    expect(deletes).toHaveLength(2); // the wrong password was not sent twice
    const del = deletes[1];
    expect(del).toMatchObject({body: {password: PASSWORD}, credentials: 'include'});
    await expect(client.signIn('ada@example.com', PASSWORD)).rejects.toThrow('Invalid email or password');
  });
});
