import {useRef, useState} from 'react';
import type {ReactNode} from 'react';
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
      setDone(`Your data was saved as ${filename}.`);
    } catch (err) {
      setAlert(err instanceof Error ? err.message : 'The export failed. Please try again.');
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
        {pending ? 'Preparing…' : 'Download my data'}
      </button>
    </>
  );
}

export default function ExportSection(): ReactNode {
  return (
    <Section title="Your data" summary="Download everything we hold about you, as JSON.">
      <p className="authgate-section__text">
        One JSON file with your account, your reading profile, your signed-in devices and your security activity.
      </p>
      <ExportButton />
    </Section>
  );
}
