import {useEffect, useRef, useState} from 'react';
import type {ReactNode} from 'react';
import FormAlert from '@theme/Authgate/FormAlert';
import {downloadFile} from '@theme/Authgate/download';
import {useAuth} from 'docusaurus-plugin-authgate/client';

export interface BackupCodesProps {
  codes: string[];
  /** "I have saved them": the codes are not shown again. */
  onDone: () => void;
}

/** The text file of "Download as text". */
export function backupCodesText(codes: string[], email: string | undefined, site: string): string {
  return [
    `Backup codes for ${email ?? 'your account'} on ${site}`,
    `Created ${new Date().toISOString().slice(0, 10)}. Each code works once; a new set replaces this one.`,
    '',
    ...codes,
    '',
  ].join('\n');
}

/** The ten backup codes, shown once after two-step sign-in is turned on or the codes are renewed. */
export default function BackupCodes({codes, onDone}: BackupCodesProps): ReactNode {
  const {user} = useAuth();
  const [saved, setSaved] = useState<string | null>(null);
  const heading = useRef<HTMLParagraphElement>(null);
  // the reader's attention goes to the codes (they replace the button that was pressed)
  useEffect(() => heading.current?.focus(), []);

  const download = () => {
    const site = typeof window !== 'undefined' ? window.location.host : 'this site';
    const filename = `backup-codes-${site.replace(/[^a-z0-9.-]+/gi, '-')}.txt`;
    downloadFile(backupCodesText(codes, user?.email, site), 'text/plain;charset=utf-8', filename);
    setSaved(`Saved as ${filename}.`);
  };

  return (
    <div className="authgate-codes" role="region" aria-label="Your backup codes">
      <p className="authgate-reauth__title" tabIndex={-1} ref={heading}>
        Your backup codes
      </p>
      <p className="authgate-section__text">
        If you lose your phone, each of these codes signs you in once instead of a code from the app. Keep them
        somewhere safe, such as a password manager or a printout. They are not shown again.
      </p>
      <ol className="authgate-codes__list" aria-label="Backup codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <FormAlert message={saved} variant="success" />
      <div className="authgate-section__footer authgate-reauth__actions">
        <button type="button" className="button button--secondary" onClick={download}>
          Download as text
        </button>
        <button type="button" className="button button--primary" onClick={onDone}>
          I have saved them
        </button>
      </div>
    </div>
  );
}
