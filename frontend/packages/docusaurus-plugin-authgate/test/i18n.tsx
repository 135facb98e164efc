// Both resolve to the stubs of test/stubs (vitest.config.mts): the modules a site build generates.
import codeTranslations from '@generated/codeTranslations';
import useDocusaurusContext from '@docusaurus/useDocusaurusContext';

/**
 * Gives the kit a locale for one test, as a site build would: the messages of code.json by id and the current
 * locale; both are reset after each test.
 */
export function withTranslations(messages: Record<string, string>, locale = 'ur'): void {
  Object.assign(codeTranslations, messages);
  // the stub hands out one shared context object (a plain function, callable outside React)
  useDocusaurusContext().i18n.currentLocale = locale;
}

afterEach(() => {
  for (const id of Object.keys(codeTranslations)) delete codeTranslations[id];
  useDocusaurusContext().i18n.currentLocale = 'en';
});
