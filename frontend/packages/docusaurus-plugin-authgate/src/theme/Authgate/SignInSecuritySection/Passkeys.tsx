import {useEffect, useState} from 'react';
import type {ReactNode} from 'react';
import Translate, {translate} from '@docusaurus/Translate';
import Field from '@theme/Authgate/Field';
import {cancelLabel, savingLabel} from '@theme/Authgate/labels';
import FormAlert from '@theme/Authgate/FormAlert';
import ReauthPrompt from '@theme/Authgate/ReauthPrompt';
import type {Reauth} from '@theme/Authgate/ReauthPrompt';
import {passkeyErrorMessage} from '@theme/Authgate/PasskeyButton';
import {formatDateTime, useLocale} from '@theme/Authgate/format';
import {useForm} from '@theme/Authgate/useForm';
import {AuthError, isCeremonyCancelled, useAuth, webauthnAvailable} from 'docusaurus-plugin-authgate/client';
import type {PasskeyInfo} from 'docusaurus-plugin-authgate/client';

const NAME_MAX = 60;

function validateName(name: string, required: boolean): {name?: string} {
  const value = name.trim();
  if (required && !value) {
    return {
      name: translate({id: 'authgate.passkeys.nameRequired', message: 'Enter a name.', description: 'Form error: the passkey name is empty'}),
    };
  }
  if (value.length > NAME_MAX) {
    return {
      name: translate(
        {
          id: 'authgate.validation.tooLong',
          message: 'Use at most {max} characters.',
          description: 'Form error: the text is too long; {max} is a number of characters',
        },
        {max: String(NAME_MAX)},
      ),
    };
  }
  return {};
}

function addFailed(): string {
  return translate({
    id: 'authgate.passkeys.addFailed',
    message: 'Adding the passkey failed. Please try again.',
    description: 'Alert when adding a passkey failed',
  });
}

function waiting(): string {
  return translate({
    id: 'authgate.passkey.waiting',
    message: 'Waiting for your passkey…',
    description: 'A passkey button while the browser dialog is open',
  });
}

function renameLabel(name: string): string {
  return translate(
    {
      id: 'authgate.passkeys.renameLabel',
      message: 'Rename {name}',
      description: 'Accessible name of the rename button and form of a passkey; {name} is its name',
    },
    {name},
  );
}

function errorText(err: unknown, fallback: string): string {
  if (err instanceof AuthError) return err.message;
  // the authenticator holds one of the passkeys listed (the API names them all in excludeCredentials)
  if (err && typeof err === 'object' && (err as {name?: unknown}).name === 'InvalidStateError') {
    return translate({
      id: 'authgate.passkeys.exists',
      message: 'This device or security key already holds a passkey for your account.',
      description: 'Alert when the authenticator already has a passkey of this account',
    });
  }
  if (isCeremonyCancelled(err)) return passkeyErrorMessage(err);
  return fallback;
}

export interface PasskeysProps {
  reauth: Reauth;
  canUseCode: boolean;
  /** Told after a passkey was added or removed (the status counts them). */
  onChange: () => void;
}

/** The reader's passkeys: the list, add one (this browser creates it), rename, remove. */
export default function Passkeys({reauth, canUseCode, onChange}: PasskeysProps): ReactNode {
  const {listPasskeys, addPasskey, removePasskey} = useAuth();
  const [passkeys, setPasskeys] = useState<PasskeyInfo[] | null>(null);
  const [alert, setAlert] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [supported, setSupported] = useState(false);

  useEffect(() => {
    setSupported(webauthnAvailable());
    let live = true;
    listPasskeys().then(
      (list) => live && setPasskeys(list),
      (err: unknown) => {
        if (!live) return;
        setAlert(
          err instanceof Error
            ? err.message
            : translate({
                id: 'authgate.passkeys.loadFailed',
                message: 'Could not load your passkeys.',
                description: 'Alert when the passkeys could not be loaded',
              }),
        );
        setPasskeys([]);
      },
    );
    return () => {
      live = false;
    };
  }, []);

  const add = useForm({
    initial: {name: ''},
    validate: ({name}) => validateName(name, false),
    ids: {name: 'authgate-passkey-name'},
    fallback: addFailed(),
    submit: async ({name}) => {
      setNotice(null);
      setAlert(null);
      try {
        const action = translate({
          id: 'authgate.passkeys.reauthAdd',
          message: 'add a passkey',
          description: 'What the reader confirms with a password or code ("to {action}")',
        });
        const done = await reauth.guard(action, (proof) => addPasskey(name, proof), 'passkeys', {
          // the API asks for a password or code here: a passkey alone cannot vouch for a new sign-in factor
          typedProof: true,
        });
        if (!done) return;
        setPasskeys((list) => [...(list ?? []), done.value]);
        add.reset();
        setNotice(
          translate(
            {
              id: 'authgate.passkeys.added',
              message: 'Passkey “{name}” added. You can sign in with it now.',
              description: 'Confirmation after adding a passkey; {name} is its name',
            },
            {name: done.value.name},
          ),
        );
        onChange();
      } catch (err) {
        throw new Error(errorText(err, addFailed()));
      }
    },
  });

  const remove = async (passkey: PasskeyInfo) => {
    setNotice(null);
    setAlert(null);
    try {
      const done = await reauth.guard(
        translate(
          {
            id: 'authgate.passkeys.reauthRemove',
            message: 'remove the passkey “{name}”',
            description: 'What the reader confirms with a password or code ("to {action}"); {name} is the passkey',
          },
          {name: passkey.name},
        ),
        (proof) => removePasskey(passkey.id, proof),
        'passkeys',
        // the API asks for a password or code here, however recent the sign-in: taking a factor away weakens the
        // account like adding one (ASVS 5.0 V6.2), so a passkey (perhaps the one removed) is not enough
        {typedProof: true},
      );
      if (!done) return;
      setPasskeys((list) => (list ? list.filter((p) => p.id !== passkey.id) : list));
      setNotice(
        translate(
          {
            id: 'authgate.passkeys.removed',
            message: 'Passkey “{name}” removed.',
            description: 'Confirmation after removing a passkey; {name} is its name',
          },
          {name: passkey.name},
        ),
      );
      onChange();
    } catch (err) {
      setAlert(
        errorText(
          err,
          translate({
            id: 'authgate.passkeys.removeFailed',
            message: 'Removing the passkey failed. Please try again.',
            description: 'Alert when removing a passkey failed',
          }),
        ),
      );
    }
  };

  if (passkeys === null) {
    return (
      <p className="authgate-section__text" aria-busy="true">
        {translate({id: 'authgate.passkeys.loading', message: 'Loading your passkeys…', description: 'While the passkeys load'})}
      </p>
    );
  }
  return (
    <>
      <FormAlert message={alert} />
      <FormAlert message={notice} variant="success" />
      {passkeys.length === 0 ? (
        <p className="authgate-section__text">
          {translate({id: 'authgate.passkeys.none', message: 'You have no passkeys yet.', description: 'The passkey list when empty'})}
        </p>
      ) : (
        <ul
          className="authgate-list"
          aria-label={translate({id: 'authgate.passkeys.list', message: 'Your passkeys', description: 'Accessible name of the passkey list'})}>
          {passkeys.map((passkey) => (
            <PasskeyRow
              key={passkey.id}
              passkey={passkey}
              onRenamed={(renamed) => setPasskeys((list) => list?.map((p) => (p.id === renamed.id ? renamed : p)) ?? list)}
              onRemove={() => void remove(passkey)}
            />
          ))}
        </ul>
      )}
      <ReauthPrompt reauth={reauth} at="passkeys" canUseCode={canUseCode} canUsePasskey={passkeys.length > 0} />
      {supported ? (
        <form noValidate onSubmit={add.onSubmit} aria-label={addLabel()} className="authgate-passkeys__add">
          <FormAlert message={add.alert} />
          <Field
            id="authgate-passkey-name"
            label={translate({
              id: 'authgate.passkeys.nameLabel',
              message: 'Name of the new passkey',
              description: 'Label of the name field when adding a passkey',
            })}
            optional
            error={add.errors.name}
            hint={translate({
              id: 'authgate.passkeys.nameHint',
              message: 'So you can tell your passkeys apart, e.g. “Work laptop”.',
              description: 'Hint under the passkey name field',
            })}>
            {(control) => (
              <input
                {...control}
                type="text"
                name="passkey-name"
                autoComplete="off"
                maxLength={NAME_MAX}
                value={add.values.name}
                onChange={(e) => add.set('name', e.target.value)}
              />
            )}
          </Field>
          <button type="submit" className="button button--secondary" disabled={add.pending}>
            {add.pending ? waiting() : addLabel()}
          </button>
        </form>
      ) : (
        <p className="authgate-section__text authgate-section__text--small">
          {translate({
            id: 'authgate.passkeys.unsupported',
            message: 'This browser cannot create passkeys. Open this page in a browser that supports them to add one.',
            description: 'Shown instead of the add-passkey form in a browser without WebAuthn',
          })}
        </p>
      )}
    </>
  );
}

function addLabel(): string {
  return translate({id: 'authgate.passkeys.add', message: 'Add a passkey', description: 'Button that adds a passkey'});
}

function PasskeyRow({
  passkey,
  onRenamed,
  onRemove,
}: {
  passkey: PasskeyInfo;
  onRenamed: (p: PasskeyInfo) => void;
  onRemove: () => void;
}): ReactNode {
  const {renamePasskey} = useAuth();
  const [editing, setEditing] = useState(false);
  const id = `authgate-passkey-rename-${passkey.id}`;
  const locale = useLocale();
  const form = useForm({
    initial: {name: passkey.name},
    validate: ({name}) => validateName(name, true),
    ids: {name: id},
    fallback: translate({
      id: 'authgate.passkeys.renameFailed',
      message: 'Renaming failed. Please try again.',
      description: 'Alert when renaming a passkey failed',
    }),
    submit: async ({name}) => {
      onRenamed(await renamePasskey(passkey.id, name));
      setEditing(false);
    },
  });

  return (
    <li className="authgate-list__item">
      {editing ? (
        <form noValidate onSubmit={form.onSubmit} aria-label={renameLabel(passkey.name)} className="authgate-list__main">
          <FormAlert message={form.alert} />
          <Field
            id={id}
            label={translate({id: 'authgate.passkeys.newName', message: 'New name', description: 'Label of the rename field'})}
            error={form.errors.name}>
            {(control) => (
              <input
                {...control}
                type="text"
                name="passkey-name"
                autoComplete="off"
                maxLength={NAME_MAX}
                autoFocus
                value={form.values.name}
                onChange={(e) => form.set('name', e.target.value)}
              />
            )}
          </Field>
          <div className="authgate-reauth__actions">
            <button type="submit" className="button button--sm button--primary" disabled={form.pending}>
              {form.pending
                ? savingLabel()
                : translate({id: 'authgate.passkeys.save', message: 'Save', description: 'Button that saves the new name'})}
            </button>
            <button
              type="button"
              className="button button--sm button--secondary button--outline"
              onClick={() => {
                form.reset();
                setEditing(false);
              }}>
              {cancelLabel()}
            </button>
          </div>
        </form>
      ) : (
        <>
          <div className="authgate-list__main">
            <div className="authgate-list__title">
              {passkey.name}
              {passkey.backed_up && (
                <span className="badge badge--secondary authgate-list__badge">
                  {translate({
                    id: 'authgate.passkeys.synced',
                    message: 'Synced',
                    description: 'Badge: the passkey is backed up (synced between devices)',
                  })}
                </span>
              )}
            </div>
            <div className="authgate-list__meta">
              <Translate
                id="authgate.passkeys.addedAt"
                description="When a passkey was added; {time} is a date and time"
                values={{time: <time dateTime={passkey.created_at}>{formatDateTime(passkey.created_at, locale)}</time>}}>
                {'Added {time}'}
              </Translate>
              {' · '}
              {passkey.last_used_at ? (
                <Translate
                  id="authgate.passkeys.lastUsed"
                  description="When a passkey was last used; {time} is a date and time"
                  values={{time: <time dateTime={passkey.last_used_at}>{formatDateTime(passkey.last_used_at, locale)}</time>}}>
                  {'last used {time}'}
                </Translate>
              ) : (
                translate({id: 'authgate.passkeys.notUsed', message: 'not used yet', description: 'A passkey never used to sign in'})
              )}
            </div>
          </div>
          <div className="authgate-reauth__actions">
            <button
              type="button"
              className="button button--sm button--secondary button--outline"
              aria-label={renameLabel(passkey.name)}
              onClick={() => setEditing(true)}>
              {translate({id: 'authgate.passkeys.rename', message: 'Rename', description: 'Button that renames a passkey'})}
            </button>
            <button
              type="button"
              className="button button--sm button--danger button--outline"
              aria-label={translate(
                {
                  id: 'authgate.passkeys.removeLabel',
                  message: 'Remove {name}',
                  description: 'Accessible name of the remove button of a passkey; {name} is its name',
                },
                {name: passkey.name},
              )}
              onClick={onRemove}>
              {translate({id: 'authgate.passkeys.remove', message: 'Remove', description: 'Button that removes a passkey'})}
            </button>
          </div>
        </>
      )}
    </li>
  );
}
