import fs from 'node:fs';
import path from 'node:path';
import type {LoadContext, OptionValidationContext, Plugin, SwizzleConfig} from '@docusaurus/types';
import type {AuthgateGlobalData, AuthgatePaths, PluginOptions} from './client/types';
import {
  artefactsFingerprint,
  bindCacheToArtefacts,
  docusaurusCompiler,
  docusaurusExcerpt,
  injectMembersOnly,
  mdxLoaderItems,
} from './members/register';
import {findLeaks, leakReport, protectedSnippets} from './members/leaks';
import {globToRegExp, type MembersPageGlob} from './members/remark';
import {parseRule, RuleError} from './members/rule';

export {default as remarkMembersOnly} from './members/remark';
export type {MembersOnlyRemarkOptions, MembersPageGlob} from './members/remark';

export type {PluginOptions, AuthgateGlobalData} from './client/types';

export const PLUGIN_NAME = 'docusaurus-plugin-authgate';

export interface NormalizedOptions {
  id: string;
  apiBaseUrl: string;
  routeBasePath: string;
  refreshLeewaySeconds: number;
  /** Members-only content; false turns it off (a `<MembersOnly>` block then renders a warning, never its text). */
  membersOnly: {outDir: string; pages: MembersPageGlob[]} | false;
  messages: Record<string, string>;
}

/** Page components, each a theme component so a site can swizzle it. */
const PAGES = {
  login: '@theme/AuthgateLoginPage',
  signup: '@theme/AuthgateSignupPage',
  account: '@theme/AuthgateAccountPage',
  forgotPassword: '@theme/AuthgateForgotPasswordPage',
  resetPassword: '@theme/AuthgateResetPasswordPage',
  verifyEmail: '@theme/AuthgateVerifyEmailPage',
  completeProfile: '@theme/AuthgateCompleteProfilePage',
  twoFactor: '@theme/AuthgateTwoFactorPage',
} as const;

/**
 * The head script that takes the `?token=` of a mailed link (reset password, verify email) out of the address
 * before any other script of the page runs, and leaves it in `window.__authgateMailedToken` for the page
 * (useMailedToken reads it once, then deletes it). The pages themselves can read the address only after hydration;
 * until then every earlier script saw the token: an analytics snippet's page view (gtag's `config` sends the full
 * URL), a tag manager, the site's client modules, the Referer of anything loaded meanwhile (attack pass).
 */
export function mailedTokenScript(pages: string[]): string {
  const trimmed = (p: string) => p.replace(/(\/index\.html|\.html|\/+)$/, '');
  // `<` escaped: the paths go inside a <script> element
  const list = JSON.stringify(pages.map(trimmed)).replace(/</g, '\\u003c');
  return (
    `(function(){try{var pages=${list};var l=window.location;` +
    `if(pages.indexOf(l.pathname.replace(/(\\/index\\.html|\\.html|\\/+)$/,''))<0)return;` +
    `var q=new URLSearchParams(l.search);if(!q.has('token'))return;` +
    `window.__authgateMailedToken=q.get('token');q.delete('token');var rest=q.toString();` +
    `window.history.replaceState(window.history.state,'',l.pathname+(rest?'?'+rest:'')+l.hash);` +
    `}catch(e){}})();`
  );
}

function joinUrl(...parts: string[]): string {
  const joined = parts.join('/').replace(/\/{2,}/g, '/');
  return joined.startsWith('/') ? joined : `/${joined}`;
}

export default function pluginAuthgate(context: LoadContext, options: NormalizedOptions): Plugin<void> {
  // the locale's base URL ("/ur/" for Urdu on a site at "/"): each locale's build has its own auth pages
  const baseUrl = context.baseUrl ?? context.siteConfig.baseUrl;
  const paths: AuthgatePaths = {
    login: joinUrl(baseUrl, options.routeBasePath, 'login'),
    signup: joinUrl(baseUrl, options.routeBasePath, 'signup'),
    account: joinUrl(baseUrl, options.routeBasePath, 'account'),
    // The API mails links to PUBLIC_URL/auth/reset-password and PUBLIC_URL/auth/verify-email.
    forgotPassword: joinUrl(baseUrl, options.routeBasePath, 'forgot-password'),
    resetPassword: joinUrl(baseUrl, options.routeBasePath, 'reset-password'),
    verifyEmail: joinUrl(baseUrl, options.routeBasePath, 'verify-email'),
    // a reader who arrived through a provider says who they are here before reading on
    completeProfile: joinUrl(baseUrl, options.routeBasePath, 'complete-profile'),
    // the second step of signing in; the API sends a provider sign-in here as PUBLIC_URL/auth/two-factor
    twoFactor: joinUrl(baseUrl, options.routeBasePath, 'two-factor'),
  };

  // the artefact folder as the build found it (members-only content; see bindCacheToArtefacts)
  let artefacts: string | undefined;

  return {
    name: PLUGIN_NAME,

    getThemePath() {
      return path.resolve(__dirname, 'theme');
    },

    // The kit's sources, so `docusaurus write-translations` extracts the `authgate.*` messages: the compiled theme
    // (getThemePath) has its <Translate> elements compiled away, and the client modules are not theme code.
    getPathsToWatch() {
      return [path.resolve(__dirname, '..', 'src', 'theme'), path.resolve(__dirname, '..', 'src', 'client')];
    },

    // The site's wording (option `messages`) as the default messages; a locale's code.json overrides them.
    getDefaultCodeTranslationMessages() {
      return Promise.resolve({...options.messages});
    },

    // Inline in <head>: it runs while the head is parsed, before the app, the client modules and any async script
    // (gtag.js reads the address when it has loaded) can read the token (see mailedTokenScript).
    injectHtmlTags() {
      return {
        headTags: [{tagName: 'script', innerHTML: mailedTokenScript([paths.resetPassword, paths.verifyEmail])}],
      };
    },

    getClientModules() {
      return [path.resolve(__dirname, 'styles.css')];
    },

    configureWebpack(config) {
      const members = options.membersOnly;
      if (!members) return {};
      const items = mdxLoaderItems(config.module?.rules);
      if (items.length === 0) {
        throw new Error(`${PLUGIN_NAME}: members-only content found no MDX loader (docs, pages, blog) to protect.`);
      }
      const outDir = path.resolve(context.siteDir, members.outDir);
      if (artefacts === undefined) {
        // once per build, before either compiler writes: the client and the server compilation see the same value
        artefacts = artefactsFingerprint(outDir);
        fs.mkdirSync(outDir, {recursive: true});
      }
      bindCacheToArtefacts(config as Parameters<typeof bindCacheToArtefacts>[0], artefacts);
      injectMembersOnly(items, {
        siteDir: context.siteDir,
        outDir,
        pages: members.pages,
        compiler: docusaurusCompiler(context.siteDir),
        excerpt: docusaurusExcerpt(context.siteDir),
      });
      return {};
    },

    async postBuild({outDir}) {
      // the last word: whatever a plugin did with the pages' sources, no protected text left in build/
      if (!options.membersOnly) return;
      const leaks = findLeaks(outDir, protectedSnippets(path.resolve(context.siteDir, options.membersOnly.outDir)));
      if (leaks.length) throw new Error(`${PLUGIN_NAME}: ${leakReport(leaks)}`);
    },

    getTypeScriptThemePath() {
      return path.resolve(__dirname, '..', 'src', 'theme');
    },

    async contentLoaded({actions}) {
      const data: AuthgateGlobalData = {
        apiBaseUrl: options.apiBaseUrl,
        refreshLeewaySeconds: options.refreshLeewaySeconds,
        paths,
      };
      actions.setGlobalData(data);
      for (const [name, component] of Object.entries(PAGES)) {
        actions.addRoute({path: paths[name as keyof typeof PAGES], component, exact: true});
      }
    },
  };
}

/** Checks the options written in docusaurus.config and fills in defaults. */
export function validateOptions({
  options,
}: OptionValidationContext<Partial<PluginOptions> & {id?: string}, NormalizedOptions>): NormalizedOptions {
  const raw = (options ?? {}) as Partial<PluginOptions> & {id?: string};
  const apiBaseUrl = typeof raw.apiBaseUrl === 'string' ? raw.apiBaseUrl.trim() : '';
  if (!apiBaseUrl) {
    throw new Error(
      `${PLUGIN_NAME}: the option "apiBaseUrl" is required, e.g. ` +
        `plugins: [['${PLUGIN_NAME}', {apiBaseUrl: process.env.AUTHGATE_API_URL ?? 'http://localhost:8000'}]]`,
    );
  }
  let url: URL;
  try {
    url = new URL(apiBaseUrl);
  } catch {
    throw new Error(`${PLUGIN_NAME}: "apiBaseUrl" must be an absolute http(s) URL; got "${apiBaseUrl}".`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`${PLUGIN_NAME}: "apiBaseUrl" must use http or https; got "${apiBaseUrl}".`);
  }
  const routeBasePath = (raw.routeBasePath ?? 'auth').replace(/^\/+|\/+$/g, '');
  if (!routeBasePath || !/^[\w-]+(\/[\w-]+)*$/.test(routeBasePath)) {
    throw new Error(`${PLUGIN_NAME}: "routeBasePath" must be a path like "auth"; got "${raw.routeBasePath}".`);
  }
  const leeway = raw.refreshLeewaySeconds ?? 60;
  if (typeof leeway !== 'number' || !Number.isFinite(leeway) || leeway < 0) {
    throw new Error(`${PLUGIN_NAME}: "refreshLeewaySeconds" must be a number of seconds >= 0.`);
  }
  return {
    id: raw.id ?? 'default',
    apiBaseUrl: apiBaseUrl.replace(/\/+$/, ''),
    routeBasePath,
    refreshLeewaySeconds: leeway,
    membersOnly: validateMembersOnly(raw.membersOnly),
    messages: validateMessages(raw.messages),
  };
}

function validateMembersOnly(raw: PluginOptions['membersOnly']): NormalizedOptions['membersOnly'] {
  if (raw === false) return false;
  const value = raw ?? {};
  const outDir = value.outDir ?? 'build-members';
  if (typeof outDir !== 'string' || !outDir.trim()) {
    throw new Error(`${PLUGIN_NAME}: "membersOnly.outDir" must be a folder path, e.g. "build-members".`);
  }
  // the artefacts must never be served with the site: not the build folder, nor inside it
  const normalised = path.normalize(outDir).replace(/[\\/]+$/, '');
  if (normalised === 'build' || normalised.startsWith(`build${path.sep}`) || normalised === 'static' || normalised.startsWith(`static${path.sep}`)) {
    throw new Error(`${PLUGIN_NAME}: "membersOnly.outDir" must be outside build/ and static/; got "${outDir}".`);
  }
  const pages = value.pages ?? [];
  if (!Array.isArray(pages)) throw new Error(`${PLUGIN_NAME}: "membersOnly.pages" must be a list of {path, rule}.`);
  for (const page of pages) {
    if (!page || typeof page.path !== 'string' || !page.path) {
      throw new Error(`${PLUGIN_NAME}: each "membersOnly.pages" entry needs a path glob, e.g. {path: 'docs/solutions/**'}.`);
    }
    globToRegExp(page.path);
    try {
      parseRule(page.rule);
    } catch (error) {
      if (error instanceof RuleError) throw new Error(`${PLUGIN_NAME}: membersOnly.pages "${page.path}": ${error.message}`);
      throw error;
    }
  }
  return {outDir, pages};
}

/** `messages`: the site's wording per translation id; only the kit's own ids (`authgate.…`), each a non-empty text. */
function validateMessages(raw: unknown): Record<string, string> {
  if (raw === undefined) return {};
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new Error(`${PLUGIN_NAME}: "messages" must be an object of translation id → text.`);
  }
  const messages: Record<string, string> = {};
  for (const [id, text] of Object.entries(raw)) {
    if (!id.startsWith('authgate.')) {
      throw new Error(`${PLUGIN_NAME}: "messages" keys are the kit's translation ids (authgate.…); got "${id}".`);
    }
    if (typeof text !== 'string' || !text.trim()) {
      throw new Error(`${PLUGIN_NAME}: "messages.${id}" must be a non-empty text.`);
    }
    messages[id] = text;
  }
  return messages;
}

/** Tells `docusaurus swizzle` which components are meant to be customised. */
export function getSwizzleConfig(): SwizzleConfig {
  const safe = {eject: 'safe', wrap: 'safe'} as const;
  return {
    components: {
      'NavbarItem/AuthgateNavbarItem': {actions: safe, description: 'The navbar item: "Sign in" or the email with a menu.'},
      AuthgateLoginPage: {actions: safe, description: 'The /auth/login page.'},
      AuthgateSignupPage: {actions: safe, description: 'The /auth/signup page.'},
      AuthgateAccountPage: {actions: safe, description: 'The /auth/account page.'},
      'Authgate/Card': {actions: safe, description: 'The frame of the auth pages.'},
      'Authgate/Field': {actions: safe, description: 'A labelled form field with hint and error.'},
      'Authgate/ProfileFields': {actions: safe, description: 'Experience level, role and organization fields.'},
      'Authgate/FormAlert': {actions: safe, description: 'The alert showing the API message.'},
      'Authgate/Placeholder': {actions: safe, description: 'Shown while the session is being checked.'},
      'Authgate/AlreadySignedIn': {actions: safe, description: 'Sign-in and sign-up pages for a signed-in reader.'},
      AuthgateForgotPasswordPage: {actions: safe, description: 'The /auth/forgot-password page.'},
      AuthgateResetPasswordPage: {actions: safe, description: 'The /auth/reset-password page (mailed link).'},
      AuthgateVerifyEmailPage: {actions: safe, description: 'The /auth/verify-email page (mailed link).'},
      'Authgate/VerifyEmailBanner': {actions: safe, description: 'The "verify your email" banner above every page.'},
      'Authgate/Section': {actions: safe, description: 'A collapsible section of the account page.'},
      'Authgate/SessionsSection': {actions: safe, description: 'Account: signed-in devices, revoke, sign out everywhere.'},
      'Authgate/ChangePasswordSection': {actions: safe, description: 'Account: change the password.'},
      'Authgate/ChangeEmailSection': {actions: safe, description: 'Account: change the email address.'},
      'Authgate/EventsSection': {actions: safe, description: 'Account: recent security activity.'},
      'Authgate/ExportSection': {actions: safe, description: 'Account: download your data as JSON.'},
      'Authgate/DeleteAccountSection': {actions: safe, description: 'Account: delete the account.'},
      'Authgate/ProviderButtons': {actions: safe, description: 'Continue with GitHub / Google / … buttons.'},
      'Authgate/ConnectedAccountsSection': {actions: safe, description: 'Account: connected sign-in providers.'},
      AuthgateCompleteProfilePage: {actions: safe, description: 'The /auth/complete-profile page.'},
      AuthgateTwoFactorPage: {actions: safe, description: 'The /auth/two-factor page (the second step of signing in).'},
      'Authgate/PasskeyButton': {actions: safe, description: 'Sign in with a passkey, and passkeys in the email autofill.'},
      'Authgate/SignInSecuritySection': {actions: safe, description: 'Account: authenticator app, backup codes, passkeys.'},
      'Authgate/ReauthPrompt': {actions: safe, description: 'Asks for the password, a code or a passkey before a sensitive change.'},
      'Authgate/BackupCodes': {actions: safe, description: 'The backup codes, shown once, with a download.'},
      'Authgate/MembersOnly': {actions: safe, description: 'The place of a members-only block: teaser, sign in, the block.'},
    },
  };
}
