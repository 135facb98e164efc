import {useRef, useState} from 'react';
import type {ReactNode} from 'react';
import {translate} from '@docusaurus/Translate';
import FormAlert from '@theme/Authgate/FormAlert';
import Section from '@theme/Authgate/Section';
import {useFocusReturn} from '@theme/Authgate/focusFirstError';
import {downloadFile} from '@theme/Authgate/download';
import {useAuth} from 'docusaurus-plugin-authgate/client';

/** Saves `data` as a pretty-printed JSON file through a temporary object URL. */
export function downloadJson(data: unknown, filename: string): void {
  downloadFile(`${JSON.stringify(data, null, 2)}\n`, 'application/json', filename);
}

export function ExportButton(): ReactNode {
  const {exportData} = useAuth();
  const [pending, setPending] = useState(false);
  const [alert, setAlert] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const inFlight = useRef(false);
  const buttonRef = useFocusReturn(pending);

  const onClick = async () => {
    if (inFlight.current) return;
    inFlight.current = true;
    setPending(true);
    setAlert(null);
    setDone(null);
    try {
      const data = await exportData();
      const filename = `authgate-export-${new Date().toISOString().slice(0, 10)}.json`;
      downloadJson(data, filename);
      setDone(
        translate(
          {
            id: 'authgate.export.done',
            message: 'Your data was saved as {filename}.',
            description: 'Confirmation after downloading the data; {filename} is the file name',
          },
          {filename},
        ),
      );
    } catch (err) {
      setAlert(
        err instanceof Error
          ? err.message
          : translate({
              id: 'authgate.export.failed',
              message: 'The export failed. Please try again.',
              description: 'Alert when the data download failed',
            }),
      );
    } finally {
      setPending(false);
      inFlight.current = false;
    }
  };

  return (
    <>
      <FormAlert message={alert} />
      <FormAlert message={done} variant="success" />
      <button
        ref={buttonRef}
        type="button"
        className="button button--secondary"
        disabled={pending}
        onClick={() => void onClick()}>
        {pending
          ? translate({id: 'authgate.export.pending', message: 'Preparing…', description: 'The download button while preparing'})
          : translate({id: 'authgate.export.submit', message: 'Download my data', description: 'Button that downloads the data'})}
      </button>
    </>
  );
}

export default function ExportSection(): ReactNode {
  return (
    <Section
      title={translate({id: 'authgate.export.title', message: 'Your data', description: 'Account section title'})}
      summary={translate({
        id: 'authgate.export.summary',
        message: 'Download everything we hold about you, as JSON.',
        description: 'Account section summary, under its title',
      })}>
      <p className="authgate-section__text">
        {translate({
          id: 'authgate.export.text',
          message: 'One JSON file with your account, your reading profile, your signed-in devices and your security activity.',
          description: 'Explanation in the data download section',
        })}
      </p>
      <ExportButton />
    </Section>
  );
}
