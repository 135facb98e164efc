import {useEffect, useRef, useState} from 'react';
import type {ReactNode} from 'react';
import Translate, {translate} from '@docusaurus/Translate';
import {interpolate} from '@docusaurus/Interpolate';
import BackupCodes from '@theme/Authgate/BackupCodes';
import {formatNumber, selectPlural, useLocale} from '@theme/Authgate/format';
import {tryAgain} from '@theme/Authgate/useForm';
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
  const locale = useLocale();

  const reload = () =>
    getMfaStatus().then(
      (body) => setStatus(body),
      (err: unknown) =>
        setAlert(
          err instanceof Error
            ? err.message
            : translate({
                id: 'authgate.security.loadFailed',
                message: 'Could not load your sign-in security.',
                description: 'Alert when the sign-in security section could not be loaded',
              }),
        ),
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
      setAlert(err instanceof Error ? err.message : tryAgain());
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  };

  const startSetup = () =>
    run(async () => {
      const action = translate({
        id: 'authgate.security.reauthSetup',
        message: 'set up an authenticator app',
        description: 'What the reader confirms with a password or code ("to {action}")',
      });
      const done = await reauth.guard(action, (proof) => setupTotp(proof), 'app', {
        // the API asks for a password or code here: a passkey alone cannot vouch for a new sign-in factor
        typedProof: true,
      });
      if (done) setSetup(done.value);
    });

  const regenerate = () =>
    run(async () => {
      const action = translate({
        id: 'authgate.security.reauthRegenerate',
        message: 'create new backup codes',
        description: 'What the reader confirms with a password or code ("to {action}")',
      });
      const done = await reauth.guard(action, (proof) => regenerateBackupCodes(proof), 'app', {
        // the API asks for a password or code here: a backup code is itself a proof, so a passkey alone cannot mint one
        typedProof: true,
      });
      if (!done) return;
      setCodes(done.value.backup_codes);
      await reload();
    });

  const turnOff = () =>
    run(async () => {
      const action = translate({
        id: 'authgate.security.reauthTurnOff',
        message: 'turn off two-step sign-in',
        description: 'What the reader confirms with a password or code ("to {action}")',
      });
      const done = await reauth.guard(action, (proof) => disableTotp(proof), 'app', {
        // the API asks for a password or code here, however recent the sign-in: taking a factor away weakens the
        // account like adding one (ASVS 5.0 V6.2), so a renewed sign-in time (a passkey) is not enough
        typedProof: true,
      });
      if (!done) return;
      setNotice(
        translate({
          id: 'authgate.security.turnedOff',
          message: 'Two-step sign-in is off. Your password alone signs you in again.',
          description: 'Confirmation after turning two-step sign-in off',
        }),
      );
      await reload();
    });

  if (status === null) {
    return alert ? (
      <FormAlert message={alert} />
    ) : (
      <p className="authgate-section__text" aria-busy="true">
        {translate({
          id: 'authgate.security.loading',
          message: 'Loading your sign-in security…',
          description: 'While the sign-in security section loads',
        })}
      </p>
    );
  }

  const promptProps = {reauth, canUseCode: status.totp_enabled, canUsePasskey: status.passkeys > 0};
  return (
    <>
      <h3 className="authgate-subsection__title">
        <Translate id="authgate.security.appTitle" description="Heading of the authenticator app part">
          Authenticator app
        </Translate>
      </h3>
      <FormAlert message={alert} />
      <FormAlert message={notice} variant="success" />
      {codes ? (
        <BackupCodes
          codes={codes}
          onDone={() => {
            setCodes(null);
            setNotice(
              translate({
                id: 'authgate.security.codesKept',
                message: 'Keep your backup codes safe. You can create new ones here at any time.',
                description: 'Notice after the reader saved the backup codes',
              }),
            );
          }}
        />
      ) : setup ? (
        <TotpSetup
          setup={setup}
          onCancel={() => setSetup(null)}
          onConfirmed={(backupCodes) => {
            setSetup(null);
            setCodes(backupCodes);
            setNotice(
              translate({
                id: 'authgate.security.turnedOn',
                message: 'Two-step sign-in is on. From now on, signing in asks for a code from your app.',
                description: 'Confirmation after turning two-step sign-in on',
              }),
            );
            void reload();
          }}
        />
      ) : status.totp_enabled ? (
        <>
          <p className="authgate-section__text">
            <span className="badge badge--success">
              <Translate id="authgate.security.on" description="Badge: two-step sign-in is on">
                On
              </Translate>
            </span>{' '}
            {translate({
              id: 'authgate.security.onText',
              message: 'Signing in with your password also asks for a code from your authenticator app.',
              description: 'Explanation while two-step sign-in is on',
            })}
          </p>
          <p className="authgate-section__text">
            {/* the plural form for the count first, then its placeholders */}
            {interpolate(
              selectPlural(
                translate({
                  id: 'authgate.security.codesLeft',
                  message: 'Backup code left: {count} of {total}.|Backup codes left: {count} of {total}.',
                  description: 'How many backup codes are left; {count} (bold) of {total}; plural forms separated by |',
                }),
                status.backup_codes_remaining,
                locale,
              ),
              {
                count: <strong>{formatNumber(status.backup_codes_remaining, locale)}</strong>,
                total: formatNumber(10, locale),
              },
            )}
            {status.backup_codes_remaining <= 3 &&
              ` ${translate({
                id: 'authgate.security.codesLow',
                message: 'Create new ones before you run out.',
                description: 'Advice when few backup codes are left',
              })}`}
          </p>
          <div className="authgate-section__footer authgate-reauth__actions">
            <button type="button" className="button button--secondary" disabled={busy} onClick={() => void regenerate()}>
              {translate({
                id: 'authgate.security.regenerate',
                message: 'Create new backup codes',
                description: 'Button that replaces the backup codes',
              })}
            </button>
            <button type="button" className="button button--danger button--outline" disabled={busy} onClick={() => void turnOff()}>
              {translate({
                id: 'authgate.security.turnOff',
                message: 'Turn off two-step sign-in',
                description: 'Button that turns two-step sign-in off',
              })}
            </button>
          </div>
        </>
      ) : (
        <>
          <p className="authgate-section__text">
            <span className="badge badge--secondary">
              <Translate id="authgate.security.off" description="Badge: two-step sign-in is off">
                Off
              </Translate>
            </span>{' '}
            {translate({
              id: 'authgate.security.offText',
              message:
                'Add a second step to signing in: a 6-digit code from an app on your phone, so a stolen password alone is not enough.',
              description: 'Explanation while two-step sign-in is off',
            })}
          </p>
          <div className="authgate-section__footer">
            <button type="button" className="button button--primary" disabled={busy} onClick={() => void startSetup()}>
              {translate({
                id: 'authgate.security.setup',
                message: 'Set up an authenticator app',
                description: 'Button that starts turning two-step sign-in on',
              })}
            </button>
          </div>
        </>
      )}
      <ReauthPrompt at="app" {...promptProps} />
      <h3 className="authgate-subsection__title">
        <Translate id="authgate.security.passkeysTitle" description="Heading of the passkeys part">
          Passkeys
        </Translate>
      </h3>
      <p className="authgate-section__text">
        {translate({
          id: 'authgate.security.passkeysText',
          message: 'A passkey signs you in with your device’s screen lock or a security key instead of a password and a code.',
          description: 'Explanation of passkeys',
        })}
      </p>
      <Passkeys reauth={reauth} canUseCode={status.totp_enabled} onChange={() => void reload()} />
    </>
  );
}

export default function SignInSecuritySection(): ReactNode {
  return (
    <Section
      title={translate({id: 'authgate.security.title', message: 'Sign-in security', description: 'Account section title'})}
      summary={translate({
        id: 'authgate.security.summary',
        message: 'Two-step sign-in with an authenticator app, backup codes and passkeys.',
        description: 'Account section summary, under its title',
      })}>
      <SignInSecurity />
    </Section>
  );
}
