import {useEffect, useRef, useState} from 'react';
import type {FormEvent} from 'react';
import {translate} from '@docusaurus/Translate';
import {focusAlert, focusFirstError, focusIsLost} from './focusFirstError';

/** A message per field in error, keyed by the form's own field names (FieldErrors for the kit's shared fields). */
export type FormErrors<V extends object> = Partial<Record<keyof V & string, string>>;

export interface FormOptions<V extends object> {
  initial: V;
  /** The client's checks (they mirror the API's); an empty object means "send it". */
  validate: (values: V) => FormErrors<V>;
  /** Field name → input id, so the first field in error gets the focus. */
  ids: Record<string, string>;
  /** Sends the form; a thrown error's message becomes the alert. */
  submit: (values: V) => Promise<void>;
  /** Called with what `submit` threw, before the alert is shown (e.g. to offer a reset). */
  onError?: (error: unknown) => void;
  /**
   * Puts what `submit` threw on fields instead of the alert (e.g. a wrong current password on that field):
   * errors it returns replace the field errors and the first one gets the focus; none means "show the alert".
   */
  fieldErrors?: (error: unknown) => FormErrors<V> | undefined;
  /**
   * The fields whose error is checked again as the reader edits them, so it goes once corrected; every field
   * unless given. `[]` keeps every error until the next submit.
   */
  recheck?: ReadonlyArray<keyof V & string>;
  /** The alert when the error carries no message. */
  fallback?: string;
}

/**
 * One form's state and its submit: values, field errors, the API's alert, the pending flag, and a guard so a
 * double click sends once. Every form of the kit uses it, with the Field component for its inputs.
 */
export function useForm<V extends object>({
  initial,
  validate,
  ids,
  submit,
  onError,
  fieldErrors,
  recheck,
  fallback,
}: FormOptions<V>) {
  const [values, setValues] = useState<V>(initial);
  const [errors, setErrors] = useState<FormErrors<V>>({});
  const [alert, setAlert] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const inFlight = useRef(false);
  // The submit button is disabled while the request runs, which drops the keyboard focus to the page body. Once
  // the answer is rendered the focus goes to the alert when there is one (WCAG 2.4.3), else back to the button
  // when the form is still there and the focus was not put elsewhere meanwhile.
  const submitted = useRef<{form: HTMLFormElement; submitter: HTMLElement | null} | null>(null);
  const [settled, setSettled] = useState({count: 0, alert: false});
  useEffect(() => {
    if (settled.count === 0 || !submitted.current) return;
    const {form, submitter} = submitted.current;
    if (settled.alert) focusAlert(form, submitter);
    else if (focusIsLost() && submitter?.isConnected) submitter.focus();
  }, [settled]);

  const set = (name: keyof V & string, value: V[keyof V]) => {
    const next = {...values, [name]: value};
    setValues(next);
    // a corrected field loses its error as soon as it is valid again
    if (recheck && !recheck.includes(name)) return;
    setErrors((e) => (e[name] ? {...e, [name]: validate(next)[name]} : e));
  };

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (inFlight.current) return;
    const submitter = (event.nativeEvent as SubmitEvent).submitter;
    submitted.current = {form: event.currentTarget, submitter: submitter instanceof HTMLElement ? submitter : null};
    const found = validate(values);
    setErrors(found);
    setAlert(null);
    if (Object.keys(found).length > 0) {
      focusFirstError(ids, found);
      return;
    }
    inFlight.current = true;
    setPending(true);
    let alerted = false;
    try {
      await submit(values);
    } catch (err) {
      onError?.(err);
      const onFields = fieldErrors?.(err);
      if (onFields && Object.keys(onFields).length > 0) {
        setErrors(onFields);
        focusFirstError(ids, onFields);
      } else {
        setAlert(err instanceof Error ? err.message : (fallback ?? tryAgain()));
        alerted = true;
      }
    } finally {
      inFlight.current = false;
      setPending(false);
      setSettled((s) => ({count: s.count + 1, alert: alerted}));
    }
  };

  const reset = (next: V = initial) => {
    setValues(next);
    setErrors({});
  };

  return {values, errors, alert, pending, set, onSubmit, setAlert, reset};
}

/** The alert when nothing better is known; shared by every form and section. */
export function tryAgain(): string {
  return translate({
    id: 'authgate.form.tryAgain',
    message: 'That did not work. Please try again.',
    description: 'Alert after a failed action that carries no message of its own',
  });
}
