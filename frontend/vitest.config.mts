import {fileURLToPath} from 'node:url';
import {defineConfig} from 'vitest/config';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const pkg = (p: string) => here(`./packages/docusaurus-plugin-authgate/src/${p}`);

export default defineConfig({
  resolve: {
    alias: [
      {find: /^docusaurus-plugin-authgate\/client$/, replacement: pkg('client/index.ts')},
      // Docusaurus' client modules, replaced by small stubs (see test/stubs)
      {find: /^@docusaurus\/Link$/, replacement: here('./test/stubs/Link.tsx')},
      {find: /^@docusaurus\/Head$/, replacement: here('./test/stubs/Head.tsx')},
      {find: /^@docusaurus\/router$/, replacement: here('./test/stubs/router.ts')},
      {find: /^@docusaurus\/useBaseUrl$/, replacement: here('./test/stubs/useBaseUrl.ts')},
      {find: /^@docusaurus\/useGlobalData$/, replacement: here('./test/stubs/useGlobalData.ts')},
      {find: /^@docusaurus\/Translate$/, replacement: here('./test/stubs/Translate.tsx')},
      {find: /^@docusaurus\/Interpolate$/, replacement: here('./test/stubs/Interpolate.tsx')},
      {find: /^@docusaurus\/useDocusaurusContext$/, replacement: here('./test/stubs/useDocusaurusContext.ts')},
      {find: /^@generated\/codeTranslations$/, replacement: here('./test/stubs/codeTranslations.ts')},
      {find: /^@theme\/Layout$/, replacement: here('./test/stubs/Layout.tsx')},
      {find: /^@theme-init\/(.*)$/, replacement: here('./test/stubs/theme-init/$1.tsx')},
      {find: /^@theme\/(.*)$/, replacement: pkg('theme/$1')},
    ],
  },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: [here('./test/setup.ts')],
    include: ['packages/*/test/**/*.test.{ts,tsx}'],
    restoreMocks: true,
  },
});
