import {useEffect, useState} from 'react';
import type {ReactNode} from 'react';
import Field from '@theme/Authgate/Field';
import FormAlert from '@theme/Authgate/FormAlert';
import ReauthPrompt from '@theme/Authgate/ReauthPrompt';
import type {Reauth} from '@theme/Authgate/ReauthPrompt';
import {passkeyErrorMessage} from '@theme/Authgate/PasskeyButton';
import {formatDateTime} from '@theme/Authgate/format';
import {useForm} from '@theme/Authgate/useForm';
import {AuthError, isCeremonyCancelled, useAuth, webauthnAvailable} from 'docusaurus-plugin-authgate/client';
import type {PasskeyInfo} from 'docusaurus-plugin-authgate/client';

const NAME_MAX = 60;

function validateName(name: string, required: boolean): {name?: string} {
  const value = name.trim();
  if (required && !value) return {name: 'Enter a name.'};
  if (value.length > NAME_MAX) return {name: `At most ${NAME_MAX} characters.`};
  return {};
}

function errorText(err: unknown, fallback: string): string {
  if (err instanceof AuthError) return err.message;
  // the authenticator holds one of the passkeys listed (the API names them all in excludeCredentials)
  if (err && typeof err === 'object' && (err as {name?: unknown}).name === 'InvalidStateError') {
    return 'This device or security key already holds a passkey for your account.';
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
        setAlert(err instanceof Error ? err.message : 'Could not load your passkeys.');
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
    fallback: 'Adding the passkey failed. Please try again.',
    submit: async ({name}) => {
      setNotice(null);
      setAlert(null);
      try {
        const done = await reauth.guard('add a passkey', (proof) => addPasskey(name, proof), 'passkeys', {
          // the API asks for a password or code here: a passkey alone cannot vouch for a new sign-in factor
          typedProof: true,
        });
        if (!done) return;
        setPasskeys((list) => [...(list ?? []), done.value]);
        add.reset();
        setNotice(`Passkey “${done.value.name}” added. You can sign in with it now.`);
        onChange();
      } catch (err) {
        throw new Error(errorText(err, 'Adding the passkey failed. Please try again.'));
      }
    },
  });

  const remove = async (passkey: PasskeyInfo) => {
    setNotice(null);
    setAlert(null);
    try {
      const done = await reauth.guard(
        `remove the passkey “${passkey.name}”`,
        (proof) => removePasskey(passkey.id, proof),
        'passkeys',
      );
      if (!done) return;
      setPasskeys((list) => (list ? list.filter((p) => p.id !== passkey.id) : list));
      setNotice(`Passkey “${passkey.name}” removed.`);
      onChange();
    } catch (err) {
      setAlert(errorText(err, 'Removing the passkey failed. Please try again.'));
    }
  };

  if (passkeys === null) {
    return (
      <p className="authgate-section__text" aria-busy="true">
        Loading your passkeys…
      </p>
    );
  }
  return (
    <>
      <FormAlert message={alert} />
      <FormAlert message={notice} variant="success" />
      {passkeys.length === 0 ? (
        <p className="authgate-section__text">You have no passkeys yet.</p>
      ) : (
        <ul className="authgate-list" aria-label="Your passkeys">
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
        <form noValidate onSubmit={add.onSubmit} aria-label="Add a passkey" className="authgate-passkeys__add">
          <FormAlert message={add.alert} />
          <Field
            id="authgate-passkey-name"
            label="Name of the new passkey"
            optional
            error={add.errors.name}
            hint="So you can tell your passkeys apart, e.g. “Work laptop”.">
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
            {add.pending ? 'Waiting for your passkey…' : 'Add a passkey'}
          </button>
        </form>
      ) : (
        <p className="authgate-section__text authgate-section__text--small">
          This browser cannot create passkeys. Open this page in a browser that supports them to add one.
        </p>
      )}
    </>
  );
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
  const form = useForm({
    initial: {name: passkey.name},
    validate: ({name}) => validateName(name, true),
    ids: {name: id},
    fallback: 'Renaming failed. Please try again.',
    submit: async ({name}) => {
      onRenamed(await renamePasskey(passkey.id, name));
      setEditing(false);
    },
  });

  return (
    <li className="authgate-list__item">
      {editing ? (
        <form noValidate onSubmit={form.onSubmit} aria-label={`Rename ${passkey.name}`} className="authgate-list__main">
          <FormAlert message={form.alert} />
          <Field id={id} label="New name" error={form.errors.name}>
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
              {form.pending ? 'Saving…' : 'Save'}
            </button>
            <button
              type="button"
              className="button button--sm button--secondary button--outline"
              onClick={() => {
                form.reset();
                setEditing(false);
              }}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <>
          <div className="authgate-list__main">
            <div className="authgate-list__title">
              {passkey.name}
              {passkey.backed_up && <span className="badge badge--secondary authgate-list__badge">Synced</span>}
            </div>
            <div className="authgate-list__meta">
              Added <time dateTime={passkey.created_at}>{formatDateTime(passkey.created_at)}</time>
              {' · '}
              {passkey.last_used_at ? (
                <>
                  last used <time dateTime={passkey.last_used_at}>{formatDateTime(passkey.last_used_at)}</time>
                </>
              ) : (
                'not used yet'
              )}
            </div>
          </div>
          <div className="authgate-reauth__actions">
            <button
              type="button"
              className="button button--sm button--secondary button--outline"
              aria-label={`Rename ${passkey.name}`}
              onClick={() => setEditing(true)}>
              Rename
            </button>
            <button
              type="button"
              className="button button--sm button--danger button--outline"
              aria-label={`Remove ${passkey.name}`}
              onClick={onRemove}>
              Remove
            </button>
          </div>
        </>
      )}
    </li>
  );
}
