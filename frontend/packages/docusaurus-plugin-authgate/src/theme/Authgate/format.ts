/** Small display helpers for the account page: dates, devices and event names in plain words. */

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(undefined, {dateStyle: 'medium', timeStyle: 'short'}).format(date);
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

/** "Firefox on Linux" from a user-agent string; "Unknown device" when there is none. */
export function describeDevice(userAgent: string | null | undefined): string {
  if (!userAgent) return 'Unknown device';
  const browser = BROWSERS.find(([re]) => re.test(userAgent))?.[1];
  const system = SYSTEMS.find(([re]) => re.test(userAgent))?.[1];
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? 'Unknown device';
}

const EVENT_LABELS: Record<string, string> = {
  account_created: 'Account created',
  sign_in_succeeded: 'Signed in',
  sign_in_failed: 'Failed sign-in attempt',
  reauthentication_failed: 'Wrong password for a sensitive change',
  sign_in_throttled: 'Sign-in attempts slowed down',
  account_locked: 'Sign-in locked until a password reset',
  refresh_token_reused: 'A stolen or replayed session was stopped',
  signed_out: 'Signed out',
  session_revoked: 'A device was signed out',
  signed_out_everywhere: 'Signed out everywhere',
  password_changed: 'Password changed',
  password_reset_requested: 'Password reset requested',
  password_reset: 'Password reset',
  email_verification_sent: 'Verification email sent',
  email_verified: 'Email address verified',
  email_change_requested: 'Email change requested',
  email_changed: 'Email address changed',
  profile_updated: 'Profile updated',
  data_exported: 'Data exported',
};

/** Events a reader should look at twice. */
export const WARNING_EVENTS = new Set([
  'sign_in_failed',
  'reauthentication_failed',
  'sign_in_throttled',
  'account_locked',
  'refresh_token_reused',
]);

export function describeEvent(type: string): string {
  if (EVENT_LABELS[type]) return EVENT_LABELS[type];
  const words = type.replace(/[_-]+/g, ' ').trim();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : 'Event';
}
