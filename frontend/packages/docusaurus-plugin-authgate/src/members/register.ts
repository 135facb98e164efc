/**
 * Puts the members-only remark plugin into every MDX loader of the site (docs, pages, blog) from the kit's
 * `configureWebpack`: the site's config needs no `remarkPlugins` line, and a site cannot forget it.
 *
 * Docusaurus builds each loader's processors ahead of time (`options.processors`); the loader builds them again from
 * the options when that field is absent, so the injected options drop it.
 */
import {createHash, randomBytes} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import remarkMembersOnly, {type MembersOnlyRemarkOptions} from './remark';

type LoaderOptions = Record<string, unknown> & {beforeDefaultRemarkPlugins?: unknown[]};

interface LoaderItem {
  loader?: unknown;
  options?: unknown;
}

interface Processor {
  process(input: {content: string; filePath: string; frontMatter: Record<string, unknown>; compilerName: string}): Promise<{
    content: string;
  }>;
}

function kitVersion(): string {
  try {
    // lib/members/register.js (and src/members/register.ts) → the package's package.json
    return (JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {version: string}).version;
  } catch {
    return 'unknown';
  }
}

const INJECTED = Symbol.for('docusaurus-plugin-authgate.members-only');

/** The `{loader, options}` items of @docusaurus/mdx-loader anywhere in a webpack `module.rules`. */
export function mdxLoaderItems(rules: unknown): LoaderItem[] {
  const found: LoaderItem[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach(visit);
      return;
    }
    if (!value || typeof value !== 'object') return;
    const rule = value as Record<string, unknown>;
    if (typeof rule.loader === 'string' && /[\\/]mdx-loader[\\/]/.test(rule.loader) && rule.options) {
      found.push(rule as LoaderItem);
    }
    for (const key of ['use', 'oneOf', 'rules']) visit(rule[key]);
  };
  visit(rules);
  return found;
}

export type MembersCompileFactory = (loaderOptions: LoaderOptions) => MembersOnlyRemarkOptions['compile'];

/**
 * A block is compiled by the very processor Docusaurus compiles the page with (its admonitions, code blocks, the
 * site's remark and rehype plugins: math, …), asked for the body of a function instead of a module.
 */
export function docusaurusCompiler(siteDir: string): MembersCompileFactory {
  return (loaderOptions) => {
    let processor: Promise<Processor> | undefined;
    return async (source, filePath) => {
      if (!processor) {
        // the site's own copy of the loader (the one that compiles its pages)
        const modulePath = require.resolve('@docusaurus/mdx-loader/lib/processor', {paths: [siteDir]});
        const {createProcessors} = require(modulePath) as {
          createProcessors(args: {options: LoaderOptions}): Promise<{mdxProcessor: Processor}>;
        };
        const options = {...loaderOptions, outputFormat: 'function-body', processors: undefined, crossCompilerCache: undefined};
        processor = createProcessors({options}).then((p) => p.mdxProcessor);
      }
      const result = await (await processor).process({content: source, filePath, frontMatter: {}, compilerName: 'client'});
      return result.content;
    };
  };
}

export interface InjectOptions extends Omit<MembersOnlyRemarkOptions, 'compile'> {
  compiler: MembersCompileFactory;
}

/** Adds the remark plugin in front of each loader's own; a loader already done (client and server share) is skipped. */
export function injectMembersOnly(items: LoaderItem[], {compiler, ...options}: InjectOptions): number {
  let count = 0;
  for (const item of items) {
    const original = item.options as LoaderOptions & {[INJECTED]?: true};
    if (original[INJECTED]) continue;
    const plugin = [remarkMembersOnly, {...options, compile: compiler(original)}];
    const injected = {
      ...original,
      beforeDefaultRemarkPlugins: [plugin, ...(original.beforeDefaultRemarkPlugins ?? [])],
      processors: undefined,
      [INJECTED]: true as const,
    };
    item.options = injected;
    count += 1;
  }
  return count;
}

/** Docusaurus' own description maker, so the remark plugin can refuse a description taken from a block. */
export function docusaurusExcerpt(siteDir: string): ((content: string) => string | undefined) | undefined {
  try {
    const utils = require(require.resolve('@docusaurus/utils', {paths: [siteDir]})) as {
      createExcerpt?: (content: string) => string | undefined;
    };
    return utils.createExcerpt;
  } catch {
    return undefined;
  }
}

export function resolveOutDir(siteDir: string, outDir: string): string {
  return path.resolve(siteDir, outDir);
}

/**
 * Names and contents of the artefacts on disk, hashed. Without the folder (a fresh checkout, perhaps with a build
 * cache restored from elsewhere), a value never seen before: such a build compiles every page.
 */
export function artefactsFingerprint(outDir: string): string {
  let names: string[];
  try {
    names = fs.readdirSync(outDir).filter((name) => name.endsWith('.json')).sort();
  } catch {
    return `fresh-${randomBytes(8).toString('hex')}`;
  }
  const hash = createHash('sha256');
  for (const name of names) hash.update(name).update('\0').update(fs.readFileSync(path.join(outDir, name))).update('\0');
  return hash.digest('hex').slice(0, 16);
}

interface CacheConfig {
  cache?: unknown;
  experiments?: {cache?: unknown};
}

/**
 * The artefacts are written by the MDX loader, which a persistent build cache skips for an unchanged page: the cache
 * is made to depend on the artefacts on disk, so a build whose artefacts differ from the ones the cache was made
 * with (a folder deleted, a changed block) compiles every page again and writes them all.
 */
export function bindCacheToArtefacts(config: CacheConfig, artefacts: string): void {
  // the kit's own version too: a new kit may cut or compile blocks differently
  const fingerprint = `members-${kitVersion()}-${artefacts}`;
  for (const cache of [config.cache, config.experiments?.cache]) {
    if (cache && typeof cache === 'object' && 'version' in cache) {
      const withVersion = cache as {version?: unknown};
      withVersion.version = `${String(withVersion.version ?? '')}-${fingerprint}`;
    }
  }
}
