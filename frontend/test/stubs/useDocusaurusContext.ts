// Stand-in for @docusaurus/useDocusaurusContext: only what the kit reads (the locale of the page).
export const siteContext = {i18n: {currentLocale: 'en', defaultLocale: 'en', locales: ['en']}};

export default function useDocusaurusContext(): typeof siteContext {
  return siteContext;
}
