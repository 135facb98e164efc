import type {ReactNode} from 'react';
import Field from '@theme/Authgate/Field';
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
      /^\d{6}$/.test(code.replace(/\s+/g, '')) ? {} : {code: 'Enter the 6-digit code your app shows now.'},
    ids: IDS,
    recheck: [],
    fallback: 'Turning on two-step sign-in failed. Please try again.',
    submit: async ({code}) => {
      const {backup_codes} = await confirmTotp(code);
      onConfirmed(backup_codes);
    },
    fieldErrors: (err) =>
      err instanceof AuthError && err.code === 'INVALID_CODE'
        ? {code: 'That code is not right. Check that the app shows this site, and enter its current code.'}
        : undefined,
  });

  return (
    <div className="authgate-totp-setup">
      <ol className="authgate-steps">
        <li>
          <p className="authgate-section__text">
            Scan this QR code with an authenticator app (such as 2FAS, Aegis, Google Authenticator or a password
            manager).
          </p>
          <img
            className="authgate-totp-setup__qr"
            src={svgDataUrl(setup.qr_svg)}
            alt="QR code for your authenticator app"
            width={176}
            height={176}
          />
          <p className="authgate-section__text authgate-section__text--small">
            Cannot scan it? Enter this key in the app instead:
          </p>
          <p>
            <code className="authgate-totp-setup__secret" aria-label="Key for your authenticator app" data-secret={setup.secret}>
              {groupSecret(setup.secret)}
            </code>
          </p>
        </li>
        <li>
          <form noValidate onSubmit={onSubmit} aria-label="Confirm your authenticator app">
            <FormAlert message={alert} />
            <Field id={IDS.code} label="Code from the app" error={errors.code} hint="6 digits; a new one every 30 seconds.">
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
                {pending ? 'Checking…' : 'Turn on'}
              </button>
              <button type="button" className="button button--secondary button--outline" onClick={onCancel}>
                Cancel
              </button>
            </div>
          </form>
        </li>
      </ol>
    </div>
  );
}
