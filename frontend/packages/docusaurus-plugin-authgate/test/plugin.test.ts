import path from 'node:path';
import pluginAuthgate, {getSwizzleConfig, validateOptions} from '../src/index';
import type {NormalizedOptions} from '../src/index';

const validate = (options: unknown) =>
  validateOptions({options, validate: () => ({})} as unknown as Parameters<typeof validateOptions>[0]);

describe('plugin options', () => {
  it('requires apiBaseUrl and normalises it', () => {
    expect(() => validate({})).toThrow(/apiBaseUrl/);
    expect(() => validate({apiBaseUrl: 'localhost:8000'})).toThrow(/http/);
    expect(validate({apiBaseUrl: 'http://localhost:8000/'})).toEqual({
      id: 'default',
      apiBaseUrl: 'http://localhost:8000',
      routeBasePath: 'auth',
      refreshLeewaySeconds: 60,
      membersOnly: {outDir: 'build-members', pages: []},
      messages: {},
    });
  });

  it('takes the site wording per translation id of the kit, and nothing else', () => {
    const lead = 'Tell us about yourself and the chapters follow your level in robotics.';
    expect(validate({apiBaseUrl: 'http://localhost:8000', messages: {'authgate.signup.lead': lead}}).messages).toEqual({
      'authgate.signup.lead': lead,
    });
    expect(() => validate({apiBaseUrl: 'http://localhost:8000', messages: {'theme.common.x': 'y'}})).toThrow(/authgate\./);
    expect(() => validate({apiBaseUrl: 'http://localhost:8000', messages: {'authgate.signup.lead': ' '}})).toThrow(
      /non-empty/,
    );
    expect(() => validate({apiBaseUrl: 'http://localhost:8000', messages: ['x']})).toThrow(/object/);
  });
});

describe('plugin i18n', () => {
  it('hands the site wording to Docusaurus as default messages and its sources to write-translations', async () => {
    const options = validate({apiBaseUrl: 'http://localhost:8000', messages: {'authgate.login.lead': 'Welcome, reader.'}});
    const plugin = pluginAuthgate({siteConfig: {baseUrl: '/'}} as never, options);
    expect(await plugin.getDefaultCodeTranslationMessages!()).toEqual({'authgate.login.lead': 'Welcome, reader.'});
    // the sources hold the <Translate> elements (the compiled theme has them compiled away)
    const watched = plugin.getPathsToWatch!().map((p) => path.relative(path.resolve(__dirname, '..'), p));
    expect(watched).toEqual([path.join('src', 'theme'), path.join('src', 'client')]);
  });

  it("puts the pages under the locale's base URL (a non-default locale is built under /<locale>/)", async () => {
    const options = validate({apiBaseUrl: 'http://localhost:8000'});
    const plugin = pluginAuthgate({baseUrl: '/ur/', siteConfig: {baseUrl: '/'}} as never, options);
    const routes: {path: string}[] = [];
    let globalData: {paths: Record<string, string>} | undefined;
    await plugin.contentLoaded!({
      content: undefined,
      actions: {
        addRoute: (r: {path: string}) => routes.push(r),
        setGlobalData: (d: typeof globalData) => (globalData = d),
        createData: async () => '',
      },
    } as never);
    expect(routes.map((r) => r.path)).toContain('/ur/auth/login');
    expect(globalData?.paths.signup).toBe('/ur/auth/signup');
  });
});

describe('members-only options', () => {
  it('keep the artefacts out of build/ and static/, and check the page globs and rules', () => {
    const base = {apiBaseUrl: 'http://localhost:8000'};
    expect(validate({...base, membersOnly: false}).membersOnly).toBe(false);
    expect(validate({...base, membersOnly: {outDir: 'private/members'}}).membersOnly).toEqual({outDir: 'private/members', pages: []});
    for (const outDir of ['build', 'build/members', './build/', 'static/members']) {
      expect(() => validate({...base, membersOnly: {outDir}})).toThrow(/outside build\/ and static\//);
    }
    expect(() => validate({...base, membersOnly: {pages: [{path: 'docs/x/**', rule: 'level:guru'}]}})).toThrow(/unknown level/);
    expect(() => validate({...base, membersOnly: {pages: [{rule: 'verified'}]}})).toThrow(/path glob/);
  });
});

describe('plugin', () => {
  it('adds the seven pages under baseUrl and hands the API origin to the browser', async () => {
    const options: NormalizedOptions = validate({apiBaseUrl: 'https://api.example.org'});
    const plugin = pluginAuthgate({siteConfig: {baseUrl: '/book/'}} as never, options);
    const routes: unknown[] = [];
    let globalData: unknown;
    await plugin.contentLoaded!({
      content: undefined,
      actions: {
        addRoute: (r: unknown) => routes.push(r),
        setGlobalData: (d: unknown) => (globalData = d),
        createData: async () => '',
      },
    } as never);
    expect(routes).toEqual([
      {path: '/book/auth/login', component: '@theme/AuthgateLoginPage', exact: true},
      {path: '/book/auth/signup', component: '@theme/AuthgateSignupPage', exact: true},
      {path: '/book/auth/account', component: '@theme/AuthgateAccountPage', exact: true},
      {path: '/book/auth/forgot-password', component: '@theme/AuthgateForgotPasswordPage', exact: true},
      {path: '/book/auth/reset-password', component: '@theme/AuthgateResetPasswordPage', exact: true},
      {path: '/book/auth/verify-email', component: '@theme/AuthgateVerifyEmailPage', exact: true},
      {path: '/book/auth/complete-profile', component: '@theme/AuthgateCompleteProfilePage', exact: true},
      {path: '/book/auth/two-factor', component: '@theme/AuthgateTwoFactorPage', exact: true},
    ]);
    expect(globalData).toEqual({
      apiBaseUrl: 'https://api.example.org',
      refreshLeewaySeconds: 60,
      paths: {
        login: '/book/auth/login',
        signup: '/book/auth/signup',
        account: '/book/auth/account',
        forgotPassword: '/book/auth/forgot-password',
        resetPassword: '/book/auth/reset-password',
        verifyEmail: '/book/auth/verify-email',
        completeProfile: '/book/auth/complete-profile',
        twoFactor: '/book/auth/two-factor',
      },
    });
    expect(path.basename(plugin.getThemePath!())).toBe('theme');
    expect(Object.keys(getSwizzleConfig().components)).toContain('NavbarItem/AuthgateNavbarItem');
    // every page and section is a theme component a site can swizzle
    for (const name of ['AuthgateResetPasswordPage', 'Authgate/VerifyEmailBanner', 'Authgate/SessionsSection']) {
      expect(Object.keys(getSwizzleConfig().components)).toContain(name);
    }
  });
});
