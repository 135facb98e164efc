import type {ReactNode} from 'react';
import {render} from '@testing-library/react';
import {MemoryRouter, Route} from 'react-router-dom';
import {AuthClient, AuthProvider} from '../src/client';
import type {FakeApi} from './fakeApi';

export const API = 'http://api.test';

/** Renders `ui` at `path` inside a MemoryRouter and an AuthProvider talking to the fake API. */
export function renderAt(ui: ReactNode, {api, path = '/'}: {api: FakeApi; path?: string}) {
  const client = new AuthClient({apiBaseUrl: API, fetch: api.fetch, locks: null, createChannel: null});
  const location = {current: {pathname: '', search: ''}};
  const result = render(
    <MemoryRouter initialEntries={[path]}>
      <AuthProvider apiBaseUrl={API} client={client}>
        {ui}
        <Route
          render={({location: l}) => {
            location.current = l;
            return <div data-testid="location">{`${l.pathname}${l.search}`}</div>;
          }}
        />
      </AuthProvider>
    </MemoryRouter>,
  );
  return {...result, client, location};
}
