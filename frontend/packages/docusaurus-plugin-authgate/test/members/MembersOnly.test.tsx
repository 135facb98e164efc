import {useState, type ReactNode} from 'react';
import {act, screen, waitFor} from '@testing-library/react';
import {MDXProvider} from '@mdx-js/react';
import {compile} from '@mdx-js/mdx';
import {forgetMembersPages, loadMembersPage, useAuth} from '../../src/client';
import MembersOnly from '../../src/theme/Authgate/MembersOnly';
import MDXComponents from '../../src/theme/MDXComponents';
import {createFakeApi, type FakeMembersBlock} from '../fakeApi';
import {renderAt} from '../helpers';

const PAGE = 'abcdefabcdefabcdefabcdef';
const ANYONE = {verified_email: false, levels: [], roles: []};

async function code(source: string): Promise<string> {
  return String(await compile(source, {outputFormat: 'function-body', providerImportSource: '@mdx-js/react'}));
}

// the site's MDX components, as Docusaurus provides them around a page
const components = {
  JointLimits: ({caption, children}: {caption: string; children?: ReactNode}) => (
    <figure data-testid="joint-limits">
      <figcaption>{caption}</figcaption>
      {children}
    </figure>
  ),
  pre: ({children}: {children?: ReactNode}) => <pre data-testid="code-block">{children}</pre>,
};

async function blocks(): Promise<FakeMembersBlock[]> {
  return [
    {rule: ANYONE, code: await code('Solution **SECRET-ONE**\n\n<JointLimits caption="SECRET-TABLE" />\n\n```js\nrun("SECRET-CODE")\n```\n')},
    {rule: {...ANYONE, levels: ['advanced']}, code: await code('SECRET-ADVANCED derivation')},
    {rule: {...ANYONE, roles: ['researcher']}, code: await code('SECRET-RESEARCH notes')},
  ];
}

function Chapter() {
  return (
    <MDXProvider components={components}>
      <main>
        <p>Public text.</p>
        <MembersOnly page={PAGE} block="0" rule="" teaser="Worked solution." />
        <MembersOnly page={PAGE} block="1" rule="level:advanced" teaser="For advanced readers." />
        <MembersOnly page={PAGE} block="2" rule="role:researcher" />
      </main>
    </MDXProvider>
  );
}

const contentCalls = (api: ReturnType<typeof createFakeApi>) => api.calls.filter((c) => c.path.startsWith('/auth/content/'));

afterEach(() => forgetMembersPages());

describe('<MembersOnly> placeholder', () => {
  it('shows a signed-out reader the teaser and "Sign in to read", and asks the API nothing', async () => {
    const api = createFakeApi();
    api.setMembersPage(PAGE, await blocks());
    renderAt(<Chapter />, {api, path: '/docs/exercises'});
    const links = await screen.findAllByRole('link', {name: 'Sign in to read'});
    expect(links).toHaveLength(3);
    expect(links[0]).toHaveAttribute('href', '/auth/login?next=%2Fdocs%2Fexercises');
    expect(screen.getByText('Worked solution.')).toBeVisible();
    expect(screen.getByRole('main')).not.toHaveTextContent(/SECRET/);
    expect(contentCalls(api)).toHaveLength(0);
  });

  it('renders the admitted blocks in place, components and code blocks included, with one request per page', async () => {
    const api = createFakeApi();
    api.setMembersPage(PAGE, await blocks());
    api.addUser('ada@example.com', 'correct horse battery', {experience_level: 'advanced', professional_role: 'student'});
    api.giveCookie('ada@example.com');
    renderAt(<Chapter />, {api});
    expect(await screen.findByText('SECRET-ONE')).toBeVisible();
    expect(screen.getByTestId('joint-limits')).toHaveTextContent('SECRET-TABLE');
    expect(screen.getByTestId('code-block')).toHaveTextContent('run("SECRET-CODE")');
    expect(screen.getByText('SECRET-ADVANCED derivation')).toBeVisible();
    // the researcher block: the reason in words, never the content
    expect(screen.getByText(/not for your profile: it is written for readers in another role/)).toBeVisible();
    expect(screen.getByRole('main')).not.toHaveTextContent('SECRET-RESEARCH');
    expect(contentCalls(api)).toHaveLength(1);
    expect(contentCalls(api)[0]!.authorization).toMatch(/^Bearer /);
  });

  it('says "not for your profile" when the page admits none of its blocks (403)', async () => {
    const api = createFakeApi();
    const advanced = (await blocks())[1]!;
    api.setMembersPage(PAGE, [advanced, advanced]);
    api.addUser('bob@example.com', 'correct horse battery', {experience_level: 'beginner', professional_role: 'student'});
    api.giveCookie('bob@example.com');
    function OnlyProtected() {
      return (
        <main>
          <MembersOnly page={PAGE} block="0" teaser="Advanced teaser" />
          <MembersOnly page={PAGE} block="1" />
        </main>
      );
    }
    renderAt(<OnlyProtected />, {api});
    expect(await screen.findAllByText(/written for readers of another experience level/)).toHaveLength(2);
    expect(screen.getAllByText(/not for your profile/)).toHaveLength(2);
    expect(screen.getByRole('main')).not.toHaveTextContent(/SECRET/);
    expect(contentCalls(api)).toHaveLength(1);
  });

  it('asks again after a sign-in and drops the content at sign-out', async () => {
    const api = createFakeApi();
    api.setMembersPage(PAGE, await blocks());
    api.addUser('ada@example.com', 'correct horse battery', {experience_level: 'advanced'});
    let auth!: ReturnType<typeof useAuth>;
    function Grab() {
      auth = useAuth();
      return null;
    }
    renderAt(
      <>
        <Grab />
        <Chapter />
      </>,
      {api},
    );
    await screen.findAllByRole('link', {name: 'Sign in to read'});
    await act(async () => {
      await auth.signIn('ada@example.com', 'correct horse battery');
    });
    expect(await screen.findByText('SECRET-ONE')).toBeVisible();
    expect(contentCalls(api)).toHaveLength(1);
    await act(async () => {
      await auth.signOut();
    });
    await waitFor(() => expect(screen.getByRole('main')).not.toHaveTextContent(/SECRET/));
    expect(screen.getAllByRole('link', {name: 'Sign in to read'})).toHaveLength(3);
    await act(async () => {
      await auth.signIn('ada@example.com', 'correct horse battery');
    });
    expect(await screen.findByText('SECRET-ONE')).toBeVisible();
    expect(contentCalls(api)).toHaveLength(2);
  });

  // attack pass: the content was dropped at sign-out only by a <MembersOnly> on screen at that moment. A reader who
  // read a chapter, went to another page and signed out there (the navbar's "Sign out") left every admitted block
  // in the tab's memory, under a key made of nothing secret (their user id and profile): code of the same page
  // got the protected text back with no session and no request, and signing in again was served from it.
  it('drops the content at sign-out even when no block is on the page then', async () => {
    const api = createFakeApi();
    api.setMembersPage(PAGE, await blocks());
    api.addUser('ada@example.com', 'correct horse battery', {experience_level: 'advanced'});
    let auth!: ReturnType<typeof useAuth>;
    let showChapter!: (show: boolean) => void;
    function Site() {
      auth = useAuth();
      const [show, setShow] = useState(true);
      showChapter = setShow;
      return show ? <Chapter /> : <p>Another page</p>;
    }
    renderAt(<Site />, {api});
    await screen.findAllByRole('link', {name: 'Sign in to read'});
    await act(async () => {
      await auth.signIn('ada@example.com', 'correct horse battery');
    });
    expect(await screen.findByText('SECRET-ONE')).toBeVisible();
    const {user, profile} = auth;
    const readerKey = [user!.id, user!.is_verified, profile?.experience_level, profile?.professional_role].join(' ');

    act(() => showChapter(false));
    await act(async () => {
      await auth.signOut();
    });

    // signed out: nothing of the page is left to hand out without asking the API
    const offline = () => Promise.reject(new TypeError('no network'));
    const left = await loadMembersPage(offline, PAGE, readerKey);
    expect(JSON.stringify(left)).not.toMatch(/SECRET/);

    // and signing in again asks the API again
    await act(async () => {
      await auth.signIn('ada@example.com', 'correct horse battery');
    });
    act(() => showChapter(true));
    expect(await screen.findByText('SECRET-ONE')).toBeVisible();
    expect(contentCalls(api)).toHaveLength(2);
  });

  it('never shows children the build did not cut out', async () => {
    const api = createFakeApi();
    renderAt(
      <main>
        <MembersOnly rule="level:advanced">
          <p>SECRET-UNPROTECTED</p>
        </MembersOnly>
      </main>,
      {api},
    );
    expect(await screen.findByText(/was not protected by the build/)).toBeVisible();
    expect(screen.getByRole('main')).not.toHaveTextContent('SECRET-UNPROTECTED');
  });

  it('is a global MDX component', () => {
    expect(MDXComponents.MembersOnly).toBe(MembersOnly);
  });
});
