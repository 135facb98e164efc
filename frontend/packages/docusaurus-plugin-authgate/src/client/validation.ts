import {translate} from '@docusaurus/Translate';
import {EXPERIENCE_LEVELS, PROFESSIONAL_ROLES} from './types';

/**
 * Client-side checks that mirror the API's rules, so most mistakes are caught before a round trip. The messages
 * are the reader's words in the site's locale (ids `authgate.validation.*`).
 */

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

/** "Use at most {max} characters.", shared by every field with a length limit. */
function tooLong(max: number): string {
  return translate(
    {
      id: 'authgate.validation.tooLong',
      message: 'Use at most {max} characters.',
      description: 'Form error: the text is too long; {max} is a number of characters',
    },
    {max: String(max)},
  );
}

export function validateEmail(email: string): string | undefined {
  const value = email.trim();
  if (!value) {
    return translate({
      id: 'authgate.validation.emailRequired',
      message: 'Enter your email address.',
      description: 'Form error: the email field is empty',
    });
  }
  if (value.length > 254 || !EMAIL_RE.test(value)) {
    return translate({
      id: 'authgate.validation.emailInvalid',
      message: 'Enter a valid email address, like name@example.com.',
      description: 'Form error: the email field does not hold an email address',
    });
  }
  return undefined;
}

export function validatePassword(password: string, email?: string): string | undefined {
  if (!password) {
    return translate({
      id: 'authgate.validation.newPasswordRequired',
      message: 'Enter a password.',
      description: 'Form error: the new password field is empty',
    });
  }
  const length = passwordLength(password);
  if (length < PASSWORD_MIN) {
    return translate(
      {
        id: 'authgate.validation.passwordTooShort',
        message: 'Use at least {min} characters.',
        description: 'Form error: the new password is too short; {min} is a number of characters',
      },
      {min: String(PASSWORD_MIN)},
    );
  }
  if (length > PASSWORD_MAX) return tooLong(PASSWORD_MAX);
  if (email && password.trim().toLowerCase() === email.trim().toLowerCase()) {
    return translate({
      id: 'authgate.validation.passwordIsEmail',
      message: 'Your password must not be your email address.',
      description: 'Form error: the new password is the same as the email address',
    });
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
    errors.experience_level = translate({
      id: 'authgate.validation.experienceRequired',
      message: 'Choose your experience level.',
      description: 'Form error: no experience level was chosen',
    });
  }
  if (!(PROFESSIONAL_ROLES as readonly string[]).includes(values.professional_role)) {
    errors.professional_role = translate({
      id: 'authgate.validation.roleRequired',
      message: 'Choose the role that fits you best.',
      description: 'Form error: no role was chosen',
    });
  }
  const other = values.role_other.trim();
  if (values.professional_role === 'other') {
    if (!other) {
      errors.role_other = translate({
        id: 'authgate.validation.roleOtherRequired',
        message: 'Tell us your role.',
        description: 'Form error: the role is "other" and its text is empty',
      });
    } else if (other.length > ROLE_OTHER_MAX) errors.role_other = tooLong(ROLE_OTHER_MAX);
  }
  if (values.organization.trim().length > ORGANIZATION_MAX) {
    errors.organization = tooLong(ORGANIZATION_MAX);
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
  if (!values.password) {
    errors.password = translate({
      id: 'authgate.validation.passwordRequired',
      message: 'Enter your password.',
      description: 'Form error: the password field of a sign-in or confirmation is empty',
    });
  }
  return errors;
}
