import {themes as prismThemes} from 'prism-react-renderer';
import type {Config} from '@docusaurus/types';
import type * as Preset from '@docusaurus/preset-classic';
import remarkMath from 'remark-math';
import rehypeKatex from 'rehype-katex';

// The authgate API the site talks to. Override at build time: AUTHGATE_API_URL=https://api.example.org npm run build
const apiBaseUrl = process.env.AUTHGATE_API_URL ?? 'http://localhost:8000';

const config: Config = {
  title: 'Physical AI & Humanoid Robotics',
  tagline: 'A textbook that reads at your level',
  favicon: 'img/favicon.svg',
  url: process.env.SITE_URL ?? 'http://localhost:3000',
  baseUrl: '/',
  onBrokenLinks: 'throw',
  markdown: {hooks: {onBrokenMarkdownLinks: 'throw'}},
  future: {v4: true, faster: true},
  // English, and Urdu (right to left) to show the kit translated: frontend/site/i18n/ur holds the translations.
  i18n: {
    defaultLocale: 'en',
    locales: ['en', 'ur'],
    localeConfigs: {
      en: {label: 'English', direction: 'ltr', htmlLang: 'en'},
      ur: {label: 'اردو', direction: 'rtl', htmlLang: 'ur'},
    },
  },

  presets: [
    [
      'classic',
      {
        // math ($…$ and $$…$$) in the chapters; a members-only block is compiled with these same plugins
        docs: {sidebarPath: './sidebars.ts', remarkPlugins: [remarkMath], rehypePlugins: [rehypeKatex]},
        // a post with a members-only block: its RSS and Atom feeds hold only the placeholder (e2e/tests/members-only);
        // no archive page, which would carry every post's Markdown source (the kit's build check refuses that)
        blog: {
          feedOptions: {type: 'all'},
          archiveBasePath: null,
          onInlineAuthors: 'ignore',
          onInlineTags: 'ignore',
          onUntruncatedBlogPosts: 'ignore',
        },
        // KaTeX's stylesheet and fonts from the katex package, bundled with the site (no third-party CDN)
        theme: {customCss: ['./src/css/custom.css', require.resolve('katex/dist/katex.min.css')]},
      } satisfies Preset.Options,
    ],
  ],

  plugins: [
    [
      'docusaurus-plugin-authgate',
      {
        apiBaseUrl,
        // this site's wording of the kit's neutral defaults (i18n/ur/code.json translates the same ids)
        messages: {
          'authgate.signup.lead': 'Tell us a little about yourself and the chapters adapt to your level and role.',
          'authgate.completeProfile.lead': 'The chapters adapt to your level and role. This takes a moment, once.',
          'authgate.account.profileSaved': 'Your profile is saved. The chapters now follow it.',
          'authgate.profile.experience.beginner': 'Beginner: new to robotics',
          // short enough for the closed select on a 375 px phone (a select does not wrap its text)
          'authgate.profile.experience.intermediate': 'Intermediate: some robotics',
          'authgate.profile.experience.advanced': 'Advanced: I build robots',
        },
      },
    ],
  ],

  themeConfig: {
    colorMode: {respectPrefersColorScheme: true},
    navbar: {
      title: 'Humanoid Robotics',
      logo: {alt: 'Robot head', src: 'img/favicon.svg'},
      items: [
        {type: 'docSidebar', sidebarId: 'textbook', position: 'left', label: 'Textbook'},
        {type: 'localeDropdown', position: 'right'},
        {type: 'custom-authgate', position: 'right'},
      ],
    },
    footer: {
      style: 'dark',
      copyright: `Physical AI & Humanoid Robotics. Example site for docusaurus-plugin-authgate.`,
    },
    prism: {theme: prismThemes.github, darkTheme: prismThemes.dracula, additionalLanguages: ['bash']},
  } satisfies Preset.ThemeConfig,
};

export default config;
