// A docs team's site around the quickstart's three files (src/contexts/AuthContext.tsx, src/theme/Root.tsx,
// src/pages/auth/login.tsx). The quickstart's AuthContext targets http://localhost:8000 under the dev server.
export default {
  title: 'Quickstart site',
  tagline: 'The quickstart frontend, unchanged',
  url: 'http://localhost:3000',
  baseUrl: '/',
  onBrokenLinks: 'throw',
  i18n: {defaultLocale: 'en', locales: ['en']},
  presets: [
    [
      'classic',
      {
        docs: false,
        blog: false,
      },
    ],
  ],
  themeConfig: {
    navbar: {
      title: 'Quickstart site',
      items: [
        {type: 'custom-authUser', position: 'right'},
      ],
    },
  },
};
