import {useEffect, useRef} from 'react';
import type {RefObject} from 'react';

/** Moves keyboard focus to the first field (in form order) that has an error. */
export function focusFirstError(ids: Record<string, string>, errors: Record<string, string | undefined>): void {
  for (const [name, id] of Object.entries(ids)) {
    if (errors[name]) {
      document.getElementById(id)?.focus();
      return;
    }
  }
}

/**
 * Moves keyboard focus to the alert that a failed submit of `form` shows: the nearest one, looking in the form
 * and then in the parts around it (the alert of a page's form sits above it, in the card). With no alert, the
 * focus goes back to the button that sent the form, so it is never left on the page body.
 */
export function focusAlert(form: HTMLFormElement, submitter: HTMLElement | null): void {
  for (let scope: HTMLElement | null = form; scope; scope = scope.parentElement) {
    const alert = scope.querySelector<HTMLElement>('[role="alert"]');
    if (alert) {
      alert.focus();
      return;
    }
    if (scope.matches('.authgate-card, main')) break;
  }
  if (submitter?.isConnected && focusIsLost()) submitter.focus();
}

/**
 * For a button disabled while its action runs (disabling drops the keyboard focus to the page body): once the
 * action is over, the focus comes back to the button, unless the reader has put it somewhere else meanwhile.
 */
export function useFocusReturn(pending: boolean): RefObject<HTMLButtonElement | null> {
  const ref = useRef<HTMLButtonElement | null>(null);
  const ran = useRef(false);
  useEffect(() => {
    if (pending) {
      ran.current = true;
      return;
    }
    if (!ran.current) return;
    ran.current = false;
    if (focusIsLost()) ref.current?.focus();
  }, [pending]);
  return ref;
}

/** True when nothing has the keyboard focus (it is on the page body), e.g. after the focused button was disabled. */
export function focusIsLost(): boolean {
  return !document.activeElement || document.activeElement === document.body;
}
