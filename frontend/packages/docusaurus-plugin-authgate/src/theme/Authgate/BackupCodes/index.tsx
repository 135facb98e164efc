import {useEffect, useRef, useState} from 'react';
import type {ReactNode} from 'react';
import {translate} from '@docusaurus/Translate';
import FormAlert from '@theme/Authgate/FormAlert';
import {downloadFile} from '@theme/Authgate/download';
import {useAuth} from 'docusaurus-plugin-authgate/client';

export interface BackupCodesProps {
  codes: string[];
  /** "I have saved them": the codes are not shown again. */
  onDone: () => void;
}

/** The text file of "Download as text" (in the page's words). */
export function backupCodesText(codes: string[], email: string | undefined, site: string): string {
  return [
    translate(
      {
        id: 'authgate.backupCodes.fileTitle',
        message: 'Backup codes for {email} on {site}',
        description: 'First line of the downloaded backup codes file; {email} is the account, {site} the site host',
      },
      {email: email ?? '', site},
    ),
    translate(
      {
        id: 'authgate.backupCodes.fileCreated',
        message: 'Created {date}. Each code works once; a new set replaces this one.',
        description: 'Second line of the downloaded backup codes file; {date} is YYYY-MM-DD',
      },
      {date: new Date().toISOString().slice(0, 10)},
    ),
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
    const site = window.location.host;
    const filename = `backup-codes-${site.replace(/[^a-z0-9.-]+/gi, '-')}.txt`;
    downloadFile(backupCodesText(codes, user?.email, site), 'text/plain;charset=utf-8', filename);
    setSaved(
      translate(
        {
          id: 'authgate.backupCodes.saved',
          message: 'Saved as {filename}.',
          description: 'Confirmation after downloading the backup codes; {filename} is the file name',
        },
        {filename},
      ),
    );
  };
  const title = translate({
    id: 'authgate.backupCodes.title',
    message: 'Your backup codes',
    description: 'Heading above the backup codes, shown once',
  });

  return (
    <div className="authgate-codes" role="region" aria-label={title}>
      <p className="authgate-reauth__title" tabIndex={-1} ref={heading}>
        {title}
      </p>
      <p className="authgate-section__text">
        {translate({
          id: 'authgate.backupCodes.text',
          message:
            'If you lose your phone, each of these codes signs you in once instead of a code from the app. Keep them somewhere safe, such as a password manager or a printout. They are not shown again.',
          description: 'Explanation above the backup codes',
        })}
      </p>
      <ol
        className="authgate-codes__list"
        aria-label={translate({id: 'authgate.backupCodes.list', message: 'Backup codes', description: 'Accessible name of the list of codes'})}>
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <FormAlert message={saved} variant="success" />
      <div className="authgate-section__footer authgate-reauth__actions">
        <button type="button" className="button button--secondary" onClick={download}>
          {translate({
            id: 'authgate.backupCodes.download',
            message: 'Download as text',
            description: 'Button that downloads the backup codes as a text file',
          })}
        </button>
        <button type="button" className="button button--primary" onClick={onDone}>
          {translate({
            id: 'authgate.backupCodes.done',
            message: 'I have saved them',
            description: 'Button that hides the backup codes for good',
          })}
        </button>
      </div>
    </div>
  );
}
