import type {ReactNode} from 'react';
import {translate} from '@docusaurus/Translate';
import Field from '@theme/Authgate/Field';
import {currentPasswordLabel} from '@theme/Authgate/labels';
import FormAlert from '@theme/Authgate/FormAlert';
import Section from '@theme/Authgate/Section';
import {useForm} from '@theme/Authgate/useForm';
import {AuthError, useAuth} from 'docusaurus-plugin-authgate/client';

const IDS = {password: 'authgate-delete-password', confirm: 'authgate-delete-confirm'};

type Values = {password: string; confirm: boolean};
type Errors = {password?: string; confirm?: string};

function validate({password, confirm}: Values): Errors {
  const found: Errors = {};
  if (!password) {
    found.password = translate({
      id: 'authgate.validation.passwordRequired',
      message: 'Enter your password.',
      description: 'Form error: the password field of a sign-in or confirmation is empty',
    });
  }
  if (!confirm) {
    found.confirm = translate({
      id: 'authgate.deleteAccount.confirmRequired',
      message: 'Tick the box to confirm that you want to delete your account.',
      description: 'Form error: the confirmation box of the account deletion is not ticked',
    });
  }
  return found;
}

export interface DeleteAccountSectionProps {
  /** Called just before the request is sent (with true) and if it fails (with false). */
  onDeleting?: (starting: boolean) => void;
}

export function DeleteAccountForm({onDeleting}: DeleteAccountSectionProps): ReactNode {
  const {user, deleteAccount} = useAuth();
  // The password's error stays until the next submit (a wrong one is shown there); ticking the box clears its own.
  const {values, errors, alert, pending, set, onSubmit} = useForm<Values>({
    initial: {password: '', confirm: false},
    validate,
    ids: IDS,
    recheck: ['confirm'],
    fallback: translate({
      id: 'authgate.deleteAccount.failed',
      message: 'Deleting the account failed. Please try again.',
      description: 'Alert when deleting the account failed without a message from the API',
    }),
    submit: async ({password}) => {
      onDeleting?.(true);
      await deleteAccount(password);
    },
    onError: () => onDeleting?.(false),
    fieldErrors: (err) =>
      err instanceof AuthError && err.code === 'INVALID_PASSWORD' ? {password: err.message} : undefined,
  });

  return (
    <form
      noValidate
      onSubmit={onSubmit}
      aria-label={translate({
        id: 'authgate.deleteAccount.formLabel',
        message: 'Delete your account',
        description: 'Accessible name of the delete-account form',
      })}>
      <FormAlert message={alert} />
      <input type="text" name="username" autoComplete="username" value={user?.email ?? ''} readOnly hidden />
      <Field id={IDS.password} label={currentPasswordLabel()} error={errors.password}>
        {(control) => (
          <input
            {...control}
            type="password"
            name="current-password"
            autoComplete="current-password"
            required
            value={values.password}
            onChange={(e) => set('password', e.target.value)}
          />
        )}
      </Field>
      <div className="authgate-field">
        <label className="authgate-check" htmlFor={IDS.confirm}>
          <input
            id={IDS.confirm}
            type="checkbox"
            checked={values.confirm}
            aria-invalid={Boolean(errors.confirm)}
            aria-describedby={errors.confirm ? `${IDS.confirm}-error` : undefined}
            onChange={(e) => set('confirm', e.target.checked)}
          />
          <span>
            {translate({
              id: 'authgate.deleteAccount.confirm',
              message: 'I understand that my account, profile and history are deleted for good.',
              description: 'The confirmation box of the account deletion',
            })}
          </span>
        </label>
        {errors.confirm && (
          <p id={`${IDS.confirm}-error`} className="authgate-field__error">
            {errors.confirm}
          </p>
        )}
      </div>
      <button type="submit" className="button button--danger authgate-form__submit" disabled={pending}>
        {pending
          ? translate({id: 'authgate.deleteAccount.pending', message: 'Deleting…', description: 'The button while deleting'})
          : translate({
              id: 'authgate.deleteAccount.submit',
              message: 'Delete my account',
              description: 'Button that deletes the account',
            })}
      </button>
    </form>
  );
}

export default function DeleteAccountSection(props: DeleteAccountSectionProps): ReactNode {
  return (
    <Section
      title={translate({id: 'authgate.deleteAccount.title', message: 'Delete account', description: 'Account section title'})}
      summary={translate({
        id: 'authgate.deleteAccount.summary',
        message: 'Remove your account and everything in it.',
        description: 'Account section summary, under its title',
      })}
      tone="danger">
      <p className="authgate-section__text">
        {translate({
          id: 'authgate.deleteAccount.text',
          message:
            'This deletes your account, your reading profile, your signed-in devices and your security history at once. It cannot be undone. You can download your data first.',
          description: 'Explanation in the delete-account section',
        })}
      </p>
      <DeleteAccountForm {...props} />
    </Section>
  );
}
