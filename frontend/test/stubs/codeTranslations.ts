// Stand-in for @generated/codeTranslations: the current locale's messages by id, as the site build makes it.
// Tests fill it through `useTranslations` (test/i18n.ts) and it is emptied after each test.
const codeTranslations: Record<string, string> = {};

export default codeTranslations;
