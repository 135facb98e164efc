/** Moves keyboard focus to the first field (in form order) that has an error. */
export function focusFirstError(ids: Record<string, string>, errors: Record<string, string | undefined>): void {
  for (const [name, id] of Object.entries(ids)) {
    if (errors[name]) {
      document.getElementById(id)?.focus();
      return;
    }
  }
}
