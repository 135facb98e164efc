import {EXPERIENCE_LEVELS, PROFESSIONAL_ROLES} from './types';

/** Client-side checks that mirror the API's rules, so most mistakes are caught before a round trip. */

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;
export const ROLE_OTHER_MAX = 100;
export const ORGANIZATION_MAX = 255;

// One "@", something on each side, a dot in the domain, no spaces: what a person means by "an email address".
const EMAIL_RE = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

export type FieldErrors = Partial<
  Record<'email' | 'password' | 'experience_level' | 'professional_role' | 'role_other' | 'organization', string>
>;

/** Length in characters (code points) after NFKC normalisation, as the API counts. */
export function passwordLength(password: string): number {
  return [...password.normalize('NFKC')].length;
}

export function validateEmail(email: string): string | undefined {
  const value = email.trim();
  if (!value) return 'Enter your email address.';
  if (value.length > 254 || !EMAIL_RE.test(value)) return 'Enter a valid email address, like name@example.com.';
  return undefined;
}

export function validatePassword(password: string, email?: string): string | undefined {
  if (!password) return 'Enter a password.';
  const length = passwordLength(password);
  if (length < PASSWORD_MIN) return `Use at least ${PASSWORD_MIN} characters.`;
  if (length > PASSWORD_MAX) return `Use at most ${PASSWORD_MAX} characters.`;
  if (email && password.trim().toLowerCase() === email.trim().toLowerCase()) {
    return 'Your password must not be your email address.';
  }
  return undefined;
}

export interface ProfileFieldValues {
  experience_level: string;
  professional_role: string;
  role_other: string;
  organization: string;
}

export function validateProfile(values: ProfileFieldValues): FieldErrors {
  const errors: FieldErrors = {};
  if (!(EXPERIENCE_LEVELS as readonly string[]).includes(values.experience_level)) {
    errors.experience_level = 'Choose your experience level.';
  }
  if (!(PROFESSIONAL_ROLES as readonly string[]).includes(values.professional_role)) {
    errors.professional_role = 'Choose the role that fits you best.';
  }
  const other = values.role_other.trim();
  if (values.professional_role === 'other') {
    if (!other) errors.role_other = 'Tell us your role.';
    else if (other.length > ROLE_OTHER_MAX) errors.role_other = `Use at most ${ROLE_OTHER_MAX} characters.`;
  }
  if (values.organization.trim().length > ORGANIZATION_MAX) {
    errors.organization = `Use at most ${ORGANIZATION_MAX} characters.`;
  }
  return errors;
}

export interface SignUpFieldValues extends ProfileFieldValues {
  email: string;
  password: string;
}

export function validateSignUp(values: SignUpFieldValues): FieldErrors {
  const errors: FieldErrors = {};
  const email = validateEmail(values.email);
  if (email) errors.email = email;
  const password = validatePassword(values.password, values.email);
  if (password) errors.password = password;
  return {...errors, ...validateProfile(values)};
}

export function validateSignIn(values: {email: string; password: string}): FieldErrors {
  const errors: FieldErrors = {};
  const email = validateEmail(values.email);
  if (email) errors.email = email;
  // Sign-in only checks presence: an old account may predate today's length rules.
  if (!values.password) errors.password = 'Enter your password.';
  return errors;
}
