import type {ReactNode} from 'react';
import {translate} from '@docusaurus/Translate';
import Field from '@theme/Authgate/Field';
import {cancelLabel} from '@theme/Authgate/labels';
import FormAlert from '@theme/Authgate/FormAlert';
import {useForm} from '@theme/Authgate/useForm';
import {AuthError, useAuth} from 'docusaurus-plugin-authgate/client';
import type {TotpSetupBody} from 'docusaurus-plugin-authgate/client';

const IDS = {code: 'authgate-totp-confirm-code'};

/** The key in groups of four, as people read it aloud or type it into an app. */
export function groupSecret(secret: string): string {
  return (secret.replace(/\s+/g, '').match(/.{1,4}/g) ?? []).join(' ');
}

/**
 * The server-rendered QR code as an image: an SVG in an <img> cannot run scripts or reach the page, whatever
 * it contains, unlike one put into the DOM. An SVG written for inlining into HTML may lack the SVG namespace,
 * without which a browser does not draw it as an image document: it is added when missing.
 */
export function svgDataUrl(svg: string): string {
  const doc = /^\s*(<\?xml[^>]*>\s*)?<svg\b[^>]*\bxmlns\s*=/.test(svg)
    ? svg
    : svg.replace(/<svg\b/, '<svg xmlns="http://www.w3.org/2000/svg"');
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(doc)}`;
}

export interface TotpSetupProps {
  setup: TotpSetupBody;
  onConfirmed: (backupCodes: string[]) => void;
  onCancel: () => void;
}

/** Step two of turning on the authenticator app: scan (or type) the key, then prove it works with a code. */
export default function TotpSetup({setup, onConfirmed, onCancel}: TotpSetupProps): ReactNode {
  const {confirmTotp} = useAuth();
  const {values, errors, alert, pending, set, onSubmit} = useForm({
    initial: {code: ''},
    validate: ({code}) =>
      /^\d{6}$/.test(code.replace(/\s+/g, ''))
        ? {}
        : {
            code: translate({
              id: 'authgate.totp.codeRequired',
              message: 'Enter the 6-digit code your app shows now.',
              description: 'Form error: the authenticator code is missing or not 6 digits',
            }),
          },
    ids: IDS,
    recheck: [],
    fallback: translate({
      id: 'authgate.totp.failed',
      message: 'Turning on two-step sign-in failed. Please try again.',
      description: 'Alert when turning two-step sign-in on failed without a message from the API',
    }),
    submit: async ({code}) => {
      const {backup_codes} = await confirmTotp(code);
      onConfirmed(backup_codes);
    },
    fieldErrors: (err) =>
      err instanceof AuthError && err.code === 'INVALID_CODE'
        ? {
            code: translate({
              id: 'authgate.totp.wrongCode',
              message: 'That code is not right. Check that the app shows this site, and enter its current code.',
              description: 'Form error: the code typed while setting up the app is wrong',
            }),
          }
        : undefined,
  });

  return (
    <div className="authgate-totp-setup">
      <ol className="authgate-steps">
        <li>
          <p className="authgate-section__text">
            {translate({
              id: 'authgate.totp.scan',
              message:
                'Scan this QR code with an authenticator app (such as 2FAS, Aegis, Google Authenticator or a password manager).',
              description: 'First step of setting up the authenticator app',
            })}
          </p>
          <img
            className="authgate-totp-setup__qr"
            src={svgDataUrl(setup.qr_svg)}
            alt={translate({
              id: 'authgate.totp.qrAlt',
              message: 'QR code for your authenticator app',
              description: 'Alternative text of the QR code image',
            })}
            width={176}
            height={176}
          />
          <p className="authgate-section__text authgate-section__text--small">
            {translate({
              id: 'authgate.totp.noScan',
              message: 'Cannot scan it? Enter this key in the app instead:',
              description: 'Above the secret key, for a reader who cannot scan the QR code',
            })}
          </p>
          <p>
            <code
              className="authgate-totp-setup__secret"
              aria-label={translate({
                id: 'authgate.totp.keyLabel',
                message: 'Key for your authenticator app',
                description: 'Accessible name of the secret key',
              })}
              data-secret={setup.secret}>
              {groupSecret(setup.secret)}
            </code>
          </p>
        </li>
        <li>
          <form
            noValidate
            onSubmit={onSubmit}
            aria-label={translate({
              id: 'authgate.totp.formLabel',
              message: 'Confirm your authenticator app',
              description: 'Accessible name of the form confirming the authenticator app',
            })}>
            <FormAlert message={alert} />
            <Field
              id={IDS.code}
              label={translate({id: 'authgate.totp.codeLabel', message: 'Code from the app', description: 'Label of the code field'})}
              error={errors.code}
              hint={translate({
                id: 'authgate.totp.codeHint',
                message: '6 digits; a new one every 30 seconds.',
                description: 'Hint under the authenticator code field',
              })}>
              {(control) => (
                <input
                  {...control}
                  type="text"
                  name="code"
                  inputMode="numeric"
                  autoComplete="one-time-code"
                  maxLength={7}
                  spellCheck={false}
                  required
                  value={values.code}
                  onChange={(e) => set('code', e.target.value)}
                />
              )}
            </Field>
            <div className="authgate-section__footer authgate-reauth__actions">
              <button type="submit" className="button button--primary" disabled={pending}>
                {pending
                  ? translate({id: 'authgate.reauth.pending', message: 'Checking…', description: 'The confirm button while checking'})
                  : translate({id: 'authgate.totp.submit', message: 'Turn on', description: 'Button that turns two-step sign-in on'})}
              </button>
              <button type="button" className="button button--secondary button--outline" onClick={onCancel}>
                {cancelLabel()}
              </button>
            </div>
          </form>
        </li>
      </ol>
    </div>
  );
}
