import {translate} from '@docusaurus/Translate';
import {formatNumber} from './format';

/**
 * Words that several pages and sections share, each with one translation id, so a translator translates "Email"
 * once and it reads the same everywhere. Read when rendered: the translations are the current locale's.
 */

export function emailLabel(): string {
  return translate({id: 'authgate.field.email', message: 'Email', description: 'Label of an email address field'});
}

export function passwordLabel(): string {
  return translate({id: 'authgate.field.password', message: 'Password', description: 'Label of a password field'});
}

export function currentPasswordLabel(): string {
  return translate({
    id: 'authgate.field.currentPassword',
    message: 'Current password',
    description: 'Label of the field asking the password the reader has now, before a sensitive change',
  });
}

export function signInLabel(): string {
  return translate({
    id: 'authgate.signIn',
    message: 'Sign in',
    description: 'A link or button that leads to the sign-in page',
  });
}

export function signOutLabel(): string {
  return translate({id: 'authgate.signOut', message: 'Sign out', description: 'A button that signs the reader out'});
}

export function createAccountLabel(): string {
  return translate({
    id: 'authgate.createAccountLink',
    message: 'Create an account',
    description: 'A link or button that leads to the sign-up page',
  });
}

export function savingLabel(): string {
  return translate({id: 'authgate.saving', message: 'Saving…', description: 'A save button while saving'});
}

export function sendingLabel(): string {
  return translate({id: 'authgate.sending', message: 'Sending…', description: 'A send button while sending'});
}

export function cancelLabel(): string {
  return translate({id: 'authgate.cancel', message: 'Cancel', description: 'A button that closes a form without doing it'});
}

export function passwordHint(min: number, max: number, locale: string): string {
  return translate(
    {
      id: 'authgate.field.newPasswordHint',
      message: '{min} to {max} characters. A passphrase of a few words works well.',
      description: 'Hint under a new-password field; {min} and {max} are numbers of characters',
    },
    {min: formatNumber(min, locale), max: formatNumber(max, locale)},
  );
}

/** "Saving failed. Please try again.", shared by the profile forms. */
export function savingFailed(): string {
  return translate({
    id: 'authgate.account.saveFailed',
    message: 'Saving failed. Please try again.',
    description: 'Alert when saving the profile failed without a message from the API',
  });
}

export function newPasswordLabel(): string {
  return translate({id: 'authgate.field.newPassword', message: 'New password', description: 'Label of a new-password field'});
}

export function confirmNewPasswordLabel(): string {
  return translate({
    id: 'authgate.field.confirmNewPassword',
    message: 'Confirm new password',
    description: 'Label of the field repeating the new password',
  });
}

/** The form errors of a new password and its confirmation, shared by the reset page and the account section. */
export function newPasswordRequired(): string {
  return translate({
    id: 'authgate.validation.newPasswordEmpty',
    message: 'Enter a new password.',
    description: 'Form error: the new password field is empty',
  });
}

export function confirmRequired(): string {
  return translate({
    id: 'authgate.validation.confirmRequired',
    message: 'Enter the new password again.',
    description: 'Form error: the confirmation of the new password is empty',
  });
}

export function passwordsDiffer(): string {
  return translate({
    id: 'authgate.validation.passwordsDiffer',
    message: 'The two passwords do not match.',
    description: 'Form error: the new password and its confirmation differ',
  });
}

export function continueReadingLabel(): string {
  return translate({
    id: 'authgate.continueReading',
    message: 'Continue reading',
    description: 'Button: go on to the page the reader was going to',
  });
}

export function yourAccountLabel(): string {
  return translate({id: 'authgate.yourAccount', message: 'Your account', description: 'Button: open the account page'});
}

/** "Sending failed. Please try again.", shared with the banner. */
export function sendingFailed(): string {
  return translate({
    id: 'authgate.verify.sendFailed',
    message: 'Sending failed. Please try again.',
    description: 'Alert when mailing a new verification link failed without a message from the API',
  });
}

export function currentPasswordRequired(): string {
  return translate({
    id: 'authgate.validation.currentPasswordRequired',
    message: 'Enter your current password.',
    description: 'Form error: the current password field is empty',
  });
}

/** "IP 203.0.113.9", shared with the activity list. */
export function ipLabel(ip: string): string {
  return translate(
    {id: 'authgate.ipAddress', message: 'IP {ip}', description: 'An IP address in the devices and activity lists'},
    {ip},
  );
}
