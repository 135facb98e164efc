import {useEffect, useRef, useState} from 'react';
import type {ReactNode} from 'react';
import BackupCodes from '@theme/Authgate/BackupCodes';
import FormAlert from '@theme/Authgate/FormAlert';
import ReauthPrompt, {useReauth} from '@theme/Authgate/ReauthPrompt';
import Section from '@theme/Authgate/Section';
import {useAuth} from 'docusaurus-plugin-authgate/client';
import type {MfaStatus, TotpSetupBody} from 'docusaurus-plugin-authgate/client';
import Passkeys from './Passkeys';
import TotpSetup from './TotpSetup';

/**
 * Two-step sign-in (an authenticator app, with backup codes) and passkeys. Loads when its section is opened.
 * Every sensitive change goes through one re-authentication prompt (password, code or passkey), asked only when
 * the API wants a proof.
 */
export function SignInSecurity(): ReactNode {
  const {getMfaStatus, setupTotp, disableTotp, regenerateBackupCodes} = useAuth();
  const [status, setStatus] = useState<MfaStatus | null>(null);
  const [setup, setSetup] = useState<TotpSetupBody | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [alert, setAlert] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const inFlight = useRef(false);
  const reauth = useReauth();

  const reload = () =>
    getMfaStatus().then(
      (body) => setStatus(body),
      (err: unknown) => setAlert(err instanceof Error ? err.message : 'Could not load your sign-in security.'),
    );

  useEffect(() => {
    void reload();
  }, []);

  /** One app action at a time; its errors go to the alert, and a proof is asked for when needed. */
  const run = async (action: () => Promise<void>) => {
    if (inFlight.current) return;
    inFlight.current = true;
    setBusy(true);
    setAlert(null);
    setNotice(null);
    try {
      await action();
    } catch (err) {
      setAlert(err instanceof Error ? err.message : 'That did not work. Please try again.');
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  };

  const startSetup = () =>
    run(async () => {
      const done = await reauth.guard('set up an authenticator app', (proof) => setupTotp(proof), 'app', {
        // the API asks for a password or code here: a passkey alone cannot vouch for a new sign-in factor
        typedProof: true,
      });
      if (done) setSetup(done.value);
    });

  const regenerate = () =>
    run(async () => {
      const done = await reauth.guard('create new backup codes', (proof) => regenerateBackupCodes(proof), 'app');
      if (!done) return;
      setCodes(done.value.backup_codes);
      await reload();
    });

  const turnOff = () =>
    run(async () => {
      const done = await reauth.guard('turn off two-step sign-in', (proof) => disableTotp(proof), 'app');
      if (!done) return;
      setNotice('Two-step sign-in is off. Your password alone signs you in again.');
      await reload();
    });

  if (status === null) {
    return alert ? (
      <FormAlert message={alert} />
    ) : (
      <p className="authgate-section__text" aria-busy="true">
        Loading your sign-in security…
      </p>
    );
  }

  const promptProps = {reauth, canUseCode: status.totp_enabled, canUsePasskey: status.passkeys > 0};
  return (
    <>
      <h3 className="authgate-subsection__title">Authenticator app</h3>
      <FormAlert message={alert} />
      <FormAlert message={notice} variant="success" />
      {codes ? (
        <BackupCodes
          codes={codes}
          onDone={() => {
            setCodes(null);
            setNotice('Keep your backup codes safe. You can create new ones here at any time.');
          }}
        />
      ) : setup ? (
        <TotpSetup
          setup={setup}
          onCancel={() => setSetup(null)}
          onConfirmed={(backupCodes) => {
            setSetup(null);
            setCodes(backupCodes);
            setNotice('Two-step sign-in is on. From now on, signing in asks for a code from your app.');
            void reload();
          }}
        />
      ) : status.totp_enabled ? (
        <>
          <p className="authgate-section__text">
            <span className="badge badge--success">On</span> Signing in with your password also asks for a code from
            your authenticator app.
          </p>
          <p className="authgate-section__text">
            Backup codes left: <strong>{status.backup_codes_remaining}</strong> of 10.
            {status.backup_codes_remaining <= 3 && ' Create new ones before you run out.'}
          </p>
          <div className="authgate-section__footer authgate-reauth__actions">
            <button type="button" className="button button--secondary" disabled={busy} onClick={() => void regenerate()}>
              Create new backup codes
            </button>
            <button type="button" className="button button--danger button--outline" disabled={busy} onClick={() => void turnOff()}>
              Turn off two-step sign-in
            </button>
          </div>
        </>
      ) : (
        <>
          <p className="authgate-section__text">
            <span className="badge badge--secondary">Off</span> Add a second step to signing in: a 6-digit code from an
            app on your phone, so a stolen password alone is not enough.
          </p>
          <div className="authgate-section__footer">
            <button type="button" className="button button--primary" disabled={busy} onClick={() => void startSetup()}>
              Set up an authenticator app
            </button>
          </div>
        </>
      )}
      <ReauthPrompt at="app" {...promptProps} />
      <h3 className="authgate-subsection__title">Passkeys</h3>
      <p className="authgate-section__text">
        A passkey signs you in with your device’s screen lock or a security key instead of a password and a code.
      </p>
      <Passkeys reauth={reauth} canUseCode={status.totp_enabled} onChange={() => void reload()} />
    </>
  );
}

export default function SignInSecuritySection(): ReactNode {
  return (
    <Section title="Sign-in security" summary="Two-step sign-in with an authenticator app, backup codes and passkeys.">
      <SignInSecurity />
    </Section>
  );
}
