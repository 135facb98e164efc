import {translate} from '@docusaurus/Translate';
import useDocusaurusContext from '@docusaurus/useDocusaurusContext';

/**
 * Small display helpers: dates, numbers and plurals in the site's current locale, devices and event names in
 * plain words. Every word goes through Docusaurus i18n (ids `authgate.*`), so a site translates them in code.json.
 */

/** The locale the page is built for (`i18n.currentLocale`), which formats dates and numbers and picks plurals. */
export function useLocale(): string {
  return useDocusaurusContext().i18n.currentLocale;
}

/** A date and time in the given locale ("—" for none); the browser's own locale would not match the page's words. */
export function formatDateTime(iso: string | null | undefined, locale: string): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, {dateStyle: 'medium', timeStyle: 'short'}).format(date);
}

export function formatNumber(value: number, locale: string): string {
  return new Intl.NumberFormat(locale).format(value);
}

/**
 * Picks the plural form for `count` from a translated message whose forms are separated by "|", in the order of
 * the locale's plural categories (English and Urdu: "one|other"), as Docusaurus' own themes write plurals.
 * The message keeps its `{count}` placeholder: pass it through `translate(..., values)` afterwards.
 */
export function selectPlural(message: string, count: number, locale: string): string {
  const forms = message.split('|');
  if (forms.length === 1) return message;
  const rules = new Intl.PluralRules(locale);
  const index = rules.resolvedOptions().pluralCategories.indexOf(rules.select(count));
  return (forms[index] ?? forms[forms.length - 1]).trim();
}

const BROWSERS: [RegExp, string][] = [
  [/Edg\//, 'Edge'],
  [/OPR\/|Opera/, 'Opera'],
  [/Firefox\//, 'Firefox'],
  [/HeadlessChrome\//, 'Headless Chrome'],
  [/Chrome\/|Chromium\/|CriOS\//, 'Chrome'],
  [/Safari\//, 'Safari'],
  [/curl\//, 'curl'],
  [/python-httpx|python-requests|aiohttp/, 'a script'],
];

const SYSTEMS: [RegExp, string][] = [
  [/Android/, 'Android'],
  [/iPhone|iPad|iPod/, 'iOS'],
  [/Windows/, 'Windows'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/CrOS/, 'ChromeOS'],
  [/Linux/, 'Linux'],
];

function unknownDevice(): string {
  return translate({
    id: 'authgate.device.unknown',
    message: 'Unknown device',
    description: 'A signed-in device whose browser and system are not known',
  });
}

/** "Firefox on Linux" from a user-agent string; "Unknown device" when there is none. */
export function describeDevice(userAgent: string | null | undefined): string {
  if (!userAgent) return unknownDevice();
  let browser = BROWSERS.find(([re]) => re.test(userAgent))?.[1];
  if (browser === 'a script') {
    browser = translate({
      id: 'authgate.device.script',
      message: 'a script',
      description: 'A signed-in "device" that is a program (curl, Python) rather than a browser',
    });
  }
  const system = SYSTEMS.find(([re]) => re.test(userAgent))?.[1];
  if (browser && system) {
    return translate(
      {
        id: 'authgate.device.browserOnSystem',
        message: '{browser} on {system}',
        description: 'A signed-in device, e.g. "Firefox on Linux"; {browser} and {system} are product names',
      },
      {browser, system},
    );
  }
  return browser ?? system ?? unknownDevice();
}

/** The words for each security event, read when shown (the translations are the current locale's). */
function eventLabels(): Record<string, string> {
  const d = 'A kind of security event in the account activity list';
  return {
    account_created: translate({id: 'authgate.event.account_created', message: 'Account created', description: d}),
    sign_in_succeeded: translate({id: 'authgate.event.sign_in_succeeded', message: 'Signed in', description: d}),
    sign_in_failed: translate({id: 'authgate.event.sign_in_failed', message: 'Failed sign-in attempt', description: d}),
    reauthentication_failed: translate({
      id: 'authgate.event.reauthentication_failed',
      message: 'Wrong password for a sensitive change',
      description: d,
    }),
    sign_in_throttled: translate({
      id: 'authgate.event.sign_in_throttled',
      message: 'Sign-in attempts slowed down',
      description: d,
    }),
    account_locked: translate({
      id: 'authgate.event.account_locked',
      message: 'Sign-in locked until a password reset',
      description: d,
    }),
    refresh_token_reused: translate({
      id: 'authgate.event.refresh_token_reused',
      message: 'A stolen or replayed session was stopped',
      description: d,
    }),
    signed_out: translate({id: 'authgate.event.signed_out', message: 'Signed out', description: d}),
    session_revoked: translate({id: 'authgate.event.session_revoked', message: 'A device was signed out', description: d}),
    signed_out_everywhere: translate({
      id: 'authgate.event.signed_out_everywhere',
      message: 'Signed out everywhere',
      description: d,
    }),
    password_changed: translate({id: 'authgate.event.password_changed', message: 'Password changed', description: d}),
    password_reset_requested: translate({
      id: 'authgate.event.password_reset_requested',
      message: 'Password reset requested',
      description: d,
    }),
    password_reset: translate({id: 'authgate.event.password_reset', message: 'Password reset', description: d}),
    email_verification_sent: translate({
      id: 'authgate.event.email_verification_sent',
      message: 'Verification email sent',
      description: d,
    }),
    email_verified: translate({id: 'authgate.event.email_verified', message: 'Email address verified', description: d}),
    email_change_requested: translate({
      id: 'authgate.event.email_change_requested',
      message: 'Email change requested',
      description: d,
    }),
    email_changed: translate({id: 'authgate.event.email_changed', message: 'Email address changed', description: d}),
    profile_updated: translate({id: 'authgate.event.profile_updated', message: 'Profile updated', description: d}),
    data_exported: translate({id: 'authgate.event.data_exported', message: 'Data exported', description: d}),
  };
}

/** Events a reader should look at twice. */
export const WARNING_EVENTS = new Set([
  'sign_in_failed',
  'reauthentication_failed',
  'sign_in_throttled',
  'account_locked',
  'refresh_token_reused',
]);

/** An event's words; a type this kit does not know yet reads as its name in words (untranslated). */
export function describeEvent(type: string): string {
  const label = eventLabels()[type];
  if (label) return label;
  const words = type.replace(/[_-]+/g, ' ').trim();
  return words
    ? words.charAt(0).toUpperCase() + words.slice(1)
    : translate({id: 'authgate.event.unknown', message: 'Event', description: 'A security event with no name'});
}
