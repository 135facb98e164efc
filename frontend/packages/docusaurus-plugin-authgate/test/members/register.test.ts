import {createElement, type ReactNode} from 'react';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {createRequire} from 'node:module';
import {renderToStaticMarkup} from 'react-dom/server';
import rehypeKatex from 'rehype-katex';
import remarkMath from 'remark-math';
import {blockComponent} from '../../src/client';
import {
  artefactsFingerprint,
  bindCacheToArtefacts,
  docusaurusCompiler,
  injectMembersOnly,
  mdxLoaderItems,
} from '../../src/members/register';
import remarkMembersOnly from '../../src/members/remark';

const LOADER = '/site/node_modules/@docusaurus/mdx-loader/lib/index.js';

function webpackRules() {
  const docs = {loader: LOADER, options: {beforeDefaultRemarkPlugins: ['existing'], processors: {prebuilt: true}, admonitions: true}};
  const pages = {loader: LOADER, options: {processors: {prebuilt: true}}};
  return {
    docs,
    pages,
    rules: [
      {test: /\.css$/, use: ['style-loader']},
      {test: /\.mdx?$/, include: ['/site/docs'], use: [docs]},
      {oneOf: [{test: /\.mdx?$/, use: [pages]}]},
    ],
  };
}

describe('members-only registration', () => {
  it("finds every MDX loader of the site's webpack config", () => {
    const {rules, docs, pages} = webpackRules();
    expect(mdxLoaderItems(rules)).toEqual([docs, pages]);
    expect(mdxLoaderItems([{use: [{loader: '/x/babel-loader/lib/index.js', options: {}}]}])).toEqual([]);
  });

  it('puts the plugin first in each loader, drops the prebuilt processors, and does it once', () => {
    const {rules} = webpackRules();
    const items = mdxLoaderItems(rules);
    const compiler = vi.fn(() => async () => 'code');
    const options = {siteDir: '/site', outDir: '/site/build-members', compiler};
    expect(injectMembersOnly(items, options)).toBe(2);
    const docsOptions = items[0]!.options as {beforeDefaultRemarkPlugins: unknown[]; processors: unknown; admonitions: boolean};
    expect(docsOptions.processors).toBeUndefined();
    expect(docsOptions.admonitions).toBe(true);
    expect(docsOptions.beforeDefaultRemarkPlugins).toHaveLength(2);
    const [plugin, pluginOptions] = docsOptions.beforeDefaultRemarkPlugins[0] as [unknown, {outDir: string}];
    expect(plugin).toBe(remarkMembersOnly);
    expect(pluginOptions.outDir).toBe('/site/build-members');
    expect(docsOptions.beforeDefaultRemarkPlugins[1]).toBe('existing');
    // the client and the server compilation share the rules: the second pass adds nothing
    expect(injectMembersOnly(mdxLoaderItems(rules), options)).toBe(0);
    expect(compiler).toHaveBeenCalledTimes(2);
  });
});

describe("a block is compiled with the page's own processor", () => {
  // the kit's folder stands for the site: it resolves the same @docusaurus/mdx-loader a site's build uses
  const siteDir = path.resolve(__dirname, '..', '..');
  const {DEFAULT_MARKDOWN_CONFIG} = createRequire(require.resolve('@docusaurus/core/package.json', {paths: [siteDir]}))(
    './lib/server/configValidation',
  ) as {DEFAULT_MARKDOWN_CONFIG: Record<string, unknown>};

  // the theme's admonition, reduced to its children
  const Admonition = ({children}: {children?: ReactNode}) => createElement('aside', null, children);

  it("runs the site's remark and rehype plugins (math with KaTeX) and Docusaurus' own (admonitions)", async () => {
    const loaderOptions = {
      admonitions: true,
      markdownConfig: DEFAULT_MARKDOWN_CONFIG,
      siteDir,
      staticDirs: [],
      remarkPlugins: [remarkMath],
      rehypePlugins: [rehypeKatex],
    };
    const compile = docusaurusCompiler(siteDir)(loaderOptions);
    const code = await compile(
      'The pendulum: $\\omega_0 = \\sqrt{g / z_0}$, and\n\n$$\n\\xi = x + \\frac{\\dot{x}}{\\omega_0}\n$$\n\n:::tip\n\nSlow first.\n\n:::\n',
      path.join(siteDir, 'docs', 'a.mdx'),
    );
    // the body of a function, as the browser runs it, not a module
    expect(code).not.toMatch(/^\s*(import|export) /m);
    const Block = blockComponent(code);
    const html = renderToStaticMarkup(createElement(Block, {components: {admonition: Admonition}} as object));
    expect(html).toContain('<span class="katex">');
    expect(html.match(/<span class="katex">/g)).toHaveLength(2);
    expect(html).toContain('<span class="katex-display">');
    expect(html).toContain('<annotation encoding="application/x-tex">\\xi = x + \\frac{\\dot{x}}{\\omega_0}</annotation>');
    expect(html).toContain('<aside><p>Slow first.</p></aside>');
  });

  it('without the math plugins the dollars are text: the plugins above did the rendering', async () => {
    const compile = docusaurusCompiler(siteDir)({admonitions: true, markdownConfig: DEFAULT_MARKDOWN_CONFIG, siteDir, staticDirs: []});
    const Block = blockComponent(await compile('The pendulum: $x_0 = 1$.\n', path.join(siteDir, 'docs', 'a.mdx')));
    expect(renderToStaticMarkup(createElement(Block))).toBe('<p>The pendulum: $x_0 = 1$.</p>');
  });
});

describe('the build cache and the artefacts', () => {
  it('a persistent cache is only reused with the artefacts it was made with', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authgate-members-cache-'));
    const webpack = {cache: {type: 'filesystem', version: '3.10.2-abc'}};
    const rspack = {cache: true, experiments: {cache: {type: 'persistent', version: 'client-3.10.2'}}};
    const empty = artefactsFingerprint(dir);
    expect(artefactsFingerprint(dir)).toBe(empty);
    bindCacheToArtefacts(webpack, empty);
    bindCacheToArtefacts(rspack, empty);
    // the kit's version is part of it: a new kit compiles every page again
    expect(webpack.cache.version).toBe(`3.10.2-abc-members-0.1.0-${empty}`);
    expect(rspack.experiments.cache.version).toBe(`client-3.10.2-members-0.1.0-${empty}`);
    fs.writeFileSync(path.join(dir, 'a.json'), '{"blocks": 1}');
    const one = artefactsFingerprint(dir);
    expect(one).not.toBe(empty);
    fs.writeFileSync(path.join(dir, 'a.json'), '{"blocks": 2}');
    expect(artefactsFingerprint(dir)).not.toBe(one);
    // no folder (a fresh checkout with a restored cache): a value never seen before, so every page is compiled
    fs.rmSync(dir, {recursive: true});
    const fresh = artefactsFingerprint(dir);
    expect(fresh).toMatch(/^fresh-/);
    expect(artefactsFingerprint(dir)).not.toBe(fresh);
    // no persistent cache: nothing to bind
    const none = {cache: false};
    bindCacheToArtefacts(none, fresh);
    expect(none.cache).toBe(false);
  });
});
