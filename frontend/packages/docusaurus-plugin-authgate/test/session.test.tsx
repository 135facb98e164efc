import {act, render, screen, waitFor} from '@testing-library/react';
import {AuthClient, AuthProvider, useAuth} from '../src/client';
import type {AuthContextValue} from '../src/client';
import {createFakeApi} from './fakeApi';
import type {FakeApi} from './fakeApi';

const API = 'http://api.test';

/** Shows the session and hands the context to the test. */
function Probe({onAuth}: {onAuth?: (auth: AuthContextValue) => void}) {
  const auth = useAuth();
  onAuth?.(auth);
  return (
    <p data-testid="status">
      {auth.status}
      {auth.user ? ` ${auth.user.email}` : ''}
      {auth.profile ? ` ${auth.profile.experience_level}` : ''}
    </p>
  );
}

function mount(api: FakeApi, extra: Partial<ConstructorParameters<typeof AuthClient>[0]> = {}) {
  const client = new AuthClient({apiBaseUrl: API, fetch: api.fetch, locks: null, createChannel: null, ...extra});
  let auth!: AuthContextValue;
  render(
    <AuthProvider apiBaseUrl={API} client={client}>
      <Probe onAuth={(a) => (auth = a)} />
    </AuthProvider>,
  );
  return {client, get auth() {
    return auth;
  }};
}

describe('mounting', () => {
  it('with a valid refresh cookie makes exactly one GET /auth/me and ends signed in', async () => {
    const api = createFakeApi();
    api.addUser('ada@example.com', 'correct horse battery', {experience_level: 'advanced'});
    api.giveCookie('ada@example.com');

    mount(api);
    expect(screen.getByTestId('status')).toHaveTextContent('loading');
    await waitFor(() => expect(screen.getByTestId('status')).toHaveTextContent('signed-in ada@example.com advanced'));

    expect(api.calls).toHaveLength(1);
    expect(api.calls[0]).toMatchObject({method: 'GET', path: '/auth/me', credentials: 'include', authorization: null});
  });

  it('without a cookie ends signed out after one call and never refreshes', async () => {
    const api = createFakeApi();
    mount(api);
    await waitFor(() => expect(screen.getByTestId('status')).toHaveTextContent('signed-out'));
    expect(api.calls.map((c) => c.path)).toEqual(['/auth/me']);
  });

  it('with an invalid cookie ends signed out after at most one refresh', async () => {
    const api = createFakeApi();
    api.addUser('ada@example.com', 'correct horse battery');
    api.setCookie('rt-forged');
    const {auth} = mount(api);
    await waitFor(() => expect(screen.getByTestId('status')).toHaveTextContent('signed-out'));

    // An authFetch from a signed-out reader must not start a refresh loop either.
    const res = await act(() => auth.authFetch('/api/notes'));
    expect(res.status).toBe(401);
    expect(api.callsTo('/auth/refresh').length).toBeLessThanOrEqual(1);
    expect(api.authCalls().length).toBeLessThanOrEqual(2);
  });

  it('with a cookie revoked after /auth/me: one refresh, then signed out, no loop', async () => {
    const api = createFakeApi();
    api.addUser('ada@example.com', 'correct horse battery');
    api.giveCookie('ada@example.com');
    const view = mount(api);
    await waitFor(() => expect(screen.getByTestId('status')).toHaveTextContent('signed-in'));

    api.setCookie('rt-revoked');
    const res = await act(() => view.auth.authFetch('/api/notes'));
    expect(res.status).toBe(401);
    expect(api.callsTo('/auth/refresh')).toHaveLength(1);
    await waitFor(() => expect(screen.getByTestId('status')).toHaveTextContent('signed-out'));
    expect(api.callsTo('/auth/refresh')).toHaveLength(1);
  });

  it('reads the API origin from the provider (no hard-coded host)', async () => {
    const api = createFakeApi();
    const seen: string[] = [];
    const fetchSpy: typeof fetch = (input, init) => {
      seen.push(String(input));
      return api.fetch(input, init);
    };
    render(
      <AuthProvider apiBaseUrl="https://auth.example.org/" fetch={fetchSpy} locks={null} createChannel={null}>
        <Probe />
      </AuthProvider>,
    );
    await waitFor(() => expect(screen.getByTestId('status')).toHaveTextContent('signed-out'));
    expect(seen).toEqual(['https://auth.example.org/auth/me']);
  });
});

describe('authFetch', () => {
  it('after a reload, the first authFetch gets a token with one refresh', async () => {
    const api = createFakeApi();
    api.addUser('ada@example.com', 'correct horse battery');
    api.giveCookie('ada@example.com');
    const view = mount(api);
    await waitFor(() => expect(screen.getByTestId('status')).toHaveTextContent('signed-in'));

    const res = await act(() => view.auth.authFetch('/api/notes'));
    expect(res.status).toBe(200);
    expect(api.calls.map((c) => c.path)).toEqual(['/auth/me', '/auth/refresh', '/api/notes']);
    expect(api.callsTo('/auth/refresh')[0].credentials).toBe('include');
    expect(api.callsTo('/api/notes')[0].authorization).toMatch(/^Bearer at-/);
  });

  it('on a 401 refreshes once and retries with the NEW token', async () => {
    const api = createFakeApi();
    api.addUser('ada@example.com', 'correct horse battery');
    const view = mount(api);
    await waitFor(() => expect(screen.getByTestId('status')).toHaveTextContent('signed-out'));
    await act(() => view.auth.signIn('ada@example.com', 'correct horse battery'));
    const oldToken = api.callsTo('/auth/login').length && (await tokenUsedBy(view.auth, api));

    api.expireAccessTokens();
    const res = await act(() => view.auth.authFetch('/api/notes'));
    expect(res.status).toBe(200);

    const notes = api.callsTo('/api/notes');
    expect(api.callsTo('/auth/refresh')).toHaveLength(1);
    expect(notes.at(-2)?.authorization).toBe(`Bearer ${oldToken}`);
    expect(notes.at(-1)?.authorization).not.toBe(`Bearer ${oldToken}`);
    expect(notes.at(-1)?.authorization).toMatch(/^Bearer at-/);
  });

  it('three concurrent calls on a token the server rejects cause one refresh', async () => {
    const api = createFakeApi();
    api.addUser('ada@example.com', 'correct horse battery');
    const view = mount(api);
    await waitFor(() => expect(screen.getByTestId('status')).toHaveTextContent('signed-out'));
    await act(() => view.auth.signIn('ada@example.com', 'correct horse battery'));
    api.expireAccessTokens();

    const release = api.holdRefresh();
    const pending = Promise.all([
      view.auth.authFetch('/api/notes'),
      view.auth.authFetch('/api/notes'),
      view.auth.authFetch('/api/notes'),
    ]);
    await new Promise((r) => setTimeout(r, 10));
    release();
    const results = await act(() => pending);

    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(api.callsTo('/auth/refresh')).toHaveLength(1);
    const retried = api.callsTo('/api/notes').slice(3);
    expect(new Set(retried.map((c) => c.authorization)).size).toBe(1);
  });

  it('three concurrent calls on a token expired by the clock cause one refresh and no 401s', async () => {
    let clock = 1_000_000;
    const api = createFakeApi({now: () => clock, accessTtlSeconds: 600});
    api.addUser('ada@example.com', 'correct horse battery');
    const view = mount(api, {now: () => clock});
    await waitFor(() => expect(screen.getByTestId('status')).toHaveTextContent('signed-out'));
    await act(() => view.auth.signIn('ada@example.com', 'correct horse battery'));
    clock += 601_000;

    const results = await act(() =>
      Promise.all([
        view.auth.authFetch('/api/notes'),
        view.auth.authFetch('/api/notes'),
        view.auth.authFetch('/api/notes'),
      ]),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(api.callsTo('/auth/refresh')).toHaveLength(1);
    expect(api.callsTo('/api/notes')).toHaveLength(3);
  });

  it('passes absolute URLs, methods and headers through and adds the bearer', async () => {
    const api = createFakeApi();
    api.addUser('ada@example.com', 'correct horse battery');
    const view = mount(api);
    await waitFor(() => expect(screen.getByTestId('status')).toHaveTextContent('signed-out'));
    await act(() => view.auth.signIn('ada@example.com', 'correct horse battery'));
    await act(() =>
      view.auth.authFetch(`${API}/api/notes`, {method: 'POST', headers: {'X-Trace': '1'}, body: '{"a":1}'}),
    );
    const call = api.callsTo('/api/notes')[0];
    expect(call).toMatchObject({method: 'POST', body: {a: 1}});
    expect(call.authorization).toMatch(/^Bearer at-/);
  });
});

describe('authFetch and other hosts', () => {
  // attack pass: "paths starting with / go to the API origin", but only "/x" did. "//host/x" (a path built as
  // `/${segment}` from a value that starts with "/"), "\\host\x", or either after a space or a tab (which
  // URL parsers drop) were handed to fetch as they were: the browser resolved them against the page to another
  // host, and the reader's access token went with them.
  it.each([['//evil.example/steal'], ['\\\\evil.example/steal'], [' //evil.example/steal'], ['\t/\\evil.example/steal']])(
    'sends the path %j to the API origin, never the bearer token to another host',
    async (path) => {
      const api = createFakeApi();
      api.addUser('ada@example.com', 'correct horse battery');
      const sent: {host: string; authorization: string | null}[] = [];
      // the browser's fetch: a relative URL is resolved against the page
      const browserFetch = (async (input: RequestInfo | URL, init: RequestInit = {}) => {
        const raw = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
        const url = new URL(raw, window.location.href);
        sent.push({host: url.host, authorization: new Headers(init.headers).get('Authorization')});
        return url.origin === API ? api.fetch(url.href, init) : new Response(null, {status: 404});
      }) as typeof fetch;
      const view = mount(api, {fetch: browserFetch});
      await waitFor(() => expect(screen.getByTestId('status')).toHaveTextContent('signed-out'));
      await act(() => view.auth.signIn('ada@example.com', 'correct horse battery'));

      await act(() => view.auth.authFetch(path));
      expect(sent.filter((s) => s.host !== new URL(API).host)).toEqual([]);
      expect(sent.at(-1)?.authorization).toMatch(/^Bearer at-/);
    },
  );
});

describe('sign in, profile, sign out', () => {
  it('signIn stores the session; a wrong password throws the API detail', async () => {
    const api = createFakeApi();
    api.addUser('ada@example.com', 'correct horse battery');
    const view = mount(api);
    await waitFor(() => expect(screen.getByTestId('status')).toHaveTextContent('signed-out'));

    await expect(view.auth.signIn('ada@example.com', 'wrong password!')).rejects.toThrow('Invalid email or password');
    await act(() => view.auth.signIn('ada@example.com', 'correct horse battery'));
    expect(screen.getByTestId('status')).toHaveTextContent('signed-in ada@example.com');
    expect(api.callsTo('/auth/login').at(-1)?.credentials).toBe('include');
  });

  it('updateProfile PATCHes /auth/me/profile with the bearer and updates the profile', async () => {
    const api = createFakeApi();
    api.addUser('ada@example.com', 'correct horse battery');
    const view = mount(api);
    await waitFor(() => expect(screen.getByTestId('status')).toHaveTextContent('signed-out'));
    await act(() => view.auth.signIn('ada@example.com', 'correct horse battery'));
    await act(() => view.auth.updateProfile({experience_level: 'intermediate'}));
    expect(screen.getByTestId('status')).toHaveTextContent('intermediate');
    const patch = api.callsTo('/auth/me/profile')[0];
    expect(patch).toMatchObject({method: 'PATCH', body: {experience_level: 'intermediate'}});
    expect(patch.authorization).toMatch(/^Bearer at-/);
  });

  it('signOut clears the session, sends the token and the cookie, and forgets the token', async () => {
    const api = createFakeApi();
    api.addUser('ada@example.com', 'correct horse battery');
    const view = mount(api);
    await waitFor(() => expect(screen.getByTestId('status')).toHaveTextContent('signed-out'));
    await act(() => view.auth.signIn('ada@example.com', 'correct horse battery'));
    await act(() => view.auth.signOut());
    expect(screen.getByTestId('status')).toHaveTextContent('signed-out');
    const logout = api.callsTo('/auth/logout')[0];
    expect(logout.credentials).toBe('include');
    expect(logout.authorization).toMatch(/^Bearer at-/);
    expect(api.cookie).toBeNull();

    const res = await act(() => view.auth.authFetch('/api/notes'));
    expect(res.status).toBe(401);
    expect(api.callsTo('/api/notes')[0].authorization).toBeNull();
  });
});

describe('timers and tabs', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('refreshes 60 s before the token expires', async () => {
    vi.useFakeTimers({shouldAdvanceTime: true});
    const api = createFakeApi({accessTtlSeconds: 900});
    api.addUser('ada@example.com', 'correct horse battery');
    const view = mount(api);
    await waitFor(() => expect(screen.getByTestId('status')).toHaveTextContent('signed-out'));
    await act(() => view.auth.signIn('ada@example.com', 'correct horse battery'));

    await act(() => vi.advanceTimersByTimeAsync(839_000));
    expect(api.callsTo('/auth/refresh')).toHaveLength(0);
    await act(() => vi.advanceTimersByTimeAsync(2_000));
    expect(api.callsTo('/auth/refresh')).toHaveLength(1);
  });

  it('signing out in one tab signs out the other; refreshes go through the Web Lock', async () => {
    const api = createFakeApi();
    api.addUser('ada@example.com', 'correct horse battery');
    api.giveCookie('ada@example.com');

    // An in-memory BroadcastChannel shared by two "tabs", and a lock manager that records its use.
    const members = new Set<{onmessage: ((e: MessageEvent) => void) | null}>();
    const createChannel = () => {
      const channel = {
        onmessage: null as ((e: MessageEvent) => void) | null,
        postMessage(message: unknown) {
          for (const other of members) if (other !== channel) other.onmessage?.({data: message} as MessageEvent);
        },
        close() {
          members.delete(channel);
        },
      };
      members.add(channel);
      return channel;
    };
    const lockNames: string[] = [];
    let tail = Promise.resolve();
    const locks = {
      request<T>(name: string, cb: () => Promise<T>): Promise<T> {
        lockNames.push(name);
        const run = tail.then(cb);
        tail = run.then(
          () => undefined,
          () => undefined,
        );
        return run;
      },
    };

    const tabA = new AuthClient({apiBaseUrl: API, fetch: api.fetch, locks, createChannel});
    const tabB = new AuthClient({apiBaseUrl: API, fetch: api.fetch, locks, createChannel});
    let authA!: AuthContextValue;
    render(
      <>
        <AuthProvider apiBaseUrl={API} client={tabA}>
          <Probe onAuth={(a) => (authA = a)} />
        </AuthProvider>
        <AuthProvider apiBaseUrl={API} client={tabB}>
          <Probe />
        </AuthProvider>
      </>,
    );
    await waitFor(() =>
      expect(screen.getAllByTestId('status').map((s) => s.textContent)).toEqual([
        expect.stringContaining('signed-in'),
        expect.stringContaining('signed-in'),
      ]),
    );
    await act(() => authA.authFetch('/api/notes'));
    expect(lockNames).toEqual(['authgate-refresh']);

    await act(() => authA.signOut());
    expect(screen.getAllByTestId('status').map((s) => s.textContent)).toEqual(['signed-out', 'signed-out']);
  });
});

/** The access token the client currently sends, read from a request it makes. */
async function tokenUsedBy(auth: AuthContextValue, api: FakeApi): Promise<string> {
  await act(() => auth.authFetch('/api/notes'));
  return api.callsTo('/api/notes').at(-1)!.authorization!.slice('Bearer '.length);
}
