import {useRef, useState} from 'react';
import type {FormEvent} from 'react';
import type {FieldErrors} from 'docusaurus-plugin-authgate/client';
import {focusFirstError} from './focusFirstError';

export interface FormOptions<V extends object> {
  initial: V;
  /** The client's checks (they mirror the API's); an empty object means "send it". */
  validate: (values: V) => FieldErrors;
  /** Field name → input id, so the first field in error gets the focus. */
  ids: Record<string, string>;
  /** Sends the form; a thrown error's message becomes the alert. */
  submit: (values: V) => Promise<void>;
  /** Called with what `submit` threw, before the alert is shown (e.g. to offer a reset). */
  onError?: (error: unknown) => void;
  /** The alert when the error carries no message. */
  fallback?: string;
}

/**
 * One form's state and its submit: values, field errors, the API's alert, the pending flag, and a guard so a
 * double click sends once. Every form of the kit uses it, with the Field component for its inputs.
 */
export function useForm<V extends object>({initial, validate, ids, submit, onError, fallback}: FormOptions<V>) {
  const [values, setValues] = useState<V>(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [alert, setAlert] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const inFlight = useRef(false);

  const set = (name: keyof V & string, value: V[keyof V]) => {
    const next = {...values, [name]: value};
    setValues(next);
    // a corrected field loses its error as soon as it is valid again
    const key = name as keyof FieldErrors;
    setErrors((e) => (e[key] ? {...e, [key]: validate(next)[key]} : e));
  };

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (inFlight.current) return;
    const found = validate(values);
    setErrors(found);
    setAlert(null);
    if (Object.keys(found).length > 0) {
      focusFirstError(ids, found);
      return;
    }
    inFlight.current = true;
    setPending(true);
    try {
      await submit(values);
    } catch (err) {
      onError?.(err);
      setAlert(err instanceof Error ? err.message : (fallback ?? 'That did not work. Please try again.'));
    } finally {
      inFlight.current = false;
      setPending(false);
    }
  };

  const reset = (next: V = initial) => {
    setValues(next);
    setErrors({});
  };

  return {values, errors, alert, pending, set, onSubmit, setAlert, reset};
}
