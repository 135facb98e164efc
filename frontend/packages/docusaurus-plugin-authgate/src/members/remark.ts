/**
 * The build-time half of members-only content: a remark plugin that cuts every `<MembersOnly>` block (and the body
 * of a members-only page) out of the page before the page is compiled into the public bundle, compiles each cut
 * block on its own, writes the page's blocks to `<outDir>/<page id>.json` (outside `build/`) and leaves a
 * placeholder: the same `<MembersOnly>` component with the page id, the block's index, its rule and its teaser.
 *
 * It runs among `beforeDefaultRemarkPlugins` (the plugin puts it there for docs, pages and blog): before the table of
 * contents is made, so a protected heading is in no TOC either.
 */
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {formatRule, parseRule, RuleError, type MembersRule} from './rule';

export const ARTEFACT_VERSION = 1;
export const BLOCK_FORMAT = 'mdx-function-body';
/** The MDX element authors write, and the component the placeholder renders. */
export const ELEMENT = 'MembersOnly';
/** Front matter key marking a whole page: `members_only: true` or `members_only: "level:advanced"`. */
export const FRONT_MATTER_KEY = 'members_only';
export const FRONT_MATTER_TEASER = 'members_teaser';

// the blog's default truncate markers (Docusaurus' blog plugin): a list page compiles the post cut at the marker
const TRUNCATE_MARKER = /<!--\s*truncate\s*-->|\{\/\*\s*truncate\s*\*\/\}/;

/**
 * A blog list page compiles each post a second time, cut at its truncate marker (`post.mdx?truncated=true`): its
 * blocks get placeholders like the full post's, but it must not write the page's artefact with fewer blocks.
 */
function isTruncatedCompile(filePath: string, value: string): boolean {
  if (TRUNCATE_MARKER.test(value)) return false;
  try {
    return TRUNCATE_MARKER.test(fs.readFileSync(filePath, 'utf8'));
  } catch {
    return false;
  }
}

export interface MembersPageGlob {
  /** A path relative to the site directory; `*` within a folder, `**` across folders: "docs/solutions/**". */
  path: string;
  rule?: string;
}

export interface MembersOnlyRemarkOptions {
  siteDir: string;
  /** Where the page artefacts go (absolute). */
  outDir: string;
  /** Pages members-only as a whole, besides those with `members_only` in their front matter. */
  pages?: MembersPageGlob[];
  /** Compiles one block's MDX source into the body of a function (its `code` in the artefact). */
  compile: (source: string, filePath: string) => Promise<string>;
  /** The description Docusaurus would take from the page's text (`createExcerpt`), to refuse one from a block. */
  excerpt?: (content: string) => string | undefined;
}

export interface ArtefactBlock {
  rule: MembersRule;
  format: typeof BLOCK_FORMAT;
  code: string;
}

export interface Artefact {
  version: typeof ARTEFACT_VERSION;
  page: string;
  source: string;
  blocks: ArtefactBlock[];
}

interface Point {
  line: number;
  column: number;
  offset?: number;
}

interface MdNode {
  type: string;
  name?: string | null;
  value?: unknown;
  depth?: number;
  children?: MdNode[];
  attributes?: Array<{type: string; name?: string; value?: unknown}>;
  position?: {start: Point; end: Point};
  data?: {estree?: {body?: Array<{type: string; specifiers?: Array<{local?: {name?: string}}>}>}};
}

interface FileLike {
  path?: string;
  value?: unknown;
  // Docusaurus' loader puts the parsed front matter here
  data?: unknown;
}

interface Cut {
  rule: MembersRule;
  source: string;
}

/** A page's id: 24 hex digits of the SHA-256 of its source path (the API accepts nothing else). */
export function pageIdOf(relativePath: string): string {
  return createHash('sha256').update(relativePath).digest('hex').slice(0, 24);
}

/** "docs/solutions/**" → a RegExp on a slash-separated relative path. */
export function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/^\.?\//, '')
    .split('**')
    .map((part) => part.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*'))
    .join('.*');
  return new RegExp(`^${escaped}$`);
}

export class MembersOnlyError extends Error {}

function fail(where: string, node: MdNode | undefined, message: string): never {
  const line = node?.position?.start.line;
  throw new MembersOnlyError(`${where}${line ? `:${line}` : ''}: members-only content: ${message}`);
}

function stringAttribute(node: MdNode, name: string, where: string): string | undefined {
  const attribute = node.attributes?.find((a) => a.name === name);
  if (!attribute) return undefined;
  if (attribute.value === null || attribute.value === undefined) return name === 'rule' ? undefined : '';
  if (typeof attribute.value !== 'string') {
    fail(where, node, `<${ELEMENT} ${name}=…> takes a plain string ("…"), not an expression`);
  }
  return attribute.value;
}

/** Every text value under `node`, joined: what a reader would read, markup aside. */
function plainText(nodes: MdNode[]): string {
  let text = '';
  const visit = (n: MdNode) => {
    if ((n.type === 'text' || n.type === 'inlineCode' || n.type === 'code') && typeof n.value === 'string') text += n.value;
    n.children?.forEach(visit);
    if (n.type === 'paragraph' || n.type === 'heading') text += '\n';
  };
  nodes.forEach(visit);
  return text;
}

/** The source of `nodes` (siblings, in order), whole lines, with their common indentation removed. */
function sourceOf(value: string, nodes: MdNode[], where: string): string {
  const start = nodes[0]?.position?.start.offset;
  const end = nodes[nodes.length - 1]?.position?.end.offset;
  if (start === undefined || end === undefined) fail(where, nodes[0], 'the block has no source positions');
  const lineStart = value.lastIndexOf('\n', start - 1) + 1;
  const lines = value.slice(lineStart, end).split('\n');
  const indents = lines.filter((l) => l.trim()).map((l) => /^[ \t]*/.exec(l)![0].length);
  const common = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(Math.min(common, /^[ \t]*/.exec(l)![0].length))).join('\n');
}

/** Names the page imports (`import Tabs from '@theme/Tabs'`): not available to a block compiled on its own. */
function importedNames(tree: MdNode): Set<string> {
  const names = new Set<string>();
  for (const node of tree.children ?? []) {
    if (node.type !== 'mdxjsEsm') continue;
    for (const statement of node.data?.estree?.body ?? []) {
      for (const specifier of statement.specifiers ?? []) if (specifier.local?.name) names.add(specifier.local.name);
    }
  }
  return names;
}

function checkBlockContent(children: MdNode[], imported: Set<string>, where: string): void {
  const visit = (n: MdNode) => {
    if ((n.type === 'mdxJsxFlowElement' || n.type === 'mdxJsxTextElement') && n.name) {
      if (n.name === ELEMENT) fail(where, n, `<${ELEMENT}> cannot be nested in another members-only block or page`);
      const root = n.name.split('.')[0];
      if (imported.has(root)) {
        fail(
          where,
          n,
          `<${n.name}> is imported by the page, and a members-only block is compiled on its own: ` +
            `make it a global MDX component (src/theme/MDXComponents) to use it inside <${ELEMENT}>`,
        );
      }
    }
    if (n.type === 'mdxjsEsm') fail(where, n, 'import/export statements cannot be inside a members-only block');
    n.children?.forEach(visit);
  };
  children.forEach(visit);
}

function placeholder(page: string, index: number, rule: MembersRule, teaser: string | undefined): MdNode {
  const attribute = (name: string, value: string) => ({type: 'mdxJsxAttribute', name, value});
  return {
    type: 'mdxJsxFlowElement',
    name: ELEMENT,
    attributes: [
      attribute('page', page),
      attribute('block', String(index)),
      attribute('rule', formatRule(rule)),
      ...(teaser ? [attribute('teaser', teaser)] : []),
    ],
    children: [],
  };
}

function pageRule(relative: string, frontMatter: Record<string, unknown>, options: MembersOnlyRemarkOptions, where: string) {
  const marked = frontMatter[FRONT_MATTER_KEY];
  try {
    if (marked !== undefined && marked !== false) return parseRule(marked as string | boolean);
    const glob = options.pages?.find((p) => globToRegExp(p.path).test(relative));
    return glob ? parseRule(glob.rule) : null;
  } catch (error) {
    if (error instanceof RuleError) fail(where, undefined, `front matter ${FRONT_MATTER_KEY}: ${error.message}`);
    throw error;
  }
}

/** Cuts the whole body of a members-only page but its imports and its leading `# title`. */
function cutPage(tree: MdNode, value: string, rule: MembersRule, page: string, teaser: string | undefined, where: string) {
  const children = tree.children ?? [];
  const keep = (n: MdNode, i: number) =>
    n.type === 'mdxjsEsm' ||
    n.type === 'yaml' ||
    (n.type === 'heading' && n.depth === 1 && children.slice(0, i).every((c) => c.type === 'mdxjsEsm' || c.type === 'yaml'));
  const protectedNodes = children.filter((n, i) => !keep(n, i));
  if (protectedNodes.length === 0) return null;
  checkBlockContent(protectedNodes, new Set(), where);
  const first = children.indexOf(protectedNodes[0]!);
  const cut: Cut = {rule, source: sourceOf(value, [protectedNodes[0]!, protectedNodes[protectedNodes.length - 1]!], where)};
  if (protectedNodes.some((n) => n.type === 'mdxjsEsm')) {
    fail(where, protectedNodes.find((n) => n.type === 'mdxjsEsm'), 'put imports and exports of a members-only page at its top');
  }
  tree.children = [...children.slice(0, first), placeholder(page, 0, rule, teaser)];
  return {cut, text: plainText(protectedNodes)};
}

function cutBlocks(tree: MdNode, value: string, page: string, where: string) {
  const cuts: Cut[] = [];
  let text = '';
  const imported = importedNames(tree);
  const visit = (parent: MdNode) => {
    const children = parent.children ?? [];
    for (let i = 0; i < children.length; i += 1) {
      const node = children[i]!;
      if (node.type === 'html' && typeof node.value === 'string' && /<MembersOnly\b/.test(node.value)) {
        // a page compiled as plain Markdown (format: md) reads the block as raw HTML, text and all, into the page
        fail(where, node, `<${ELEMENT}> needs MDX: name the file .mdx (or set format: mdx in its front matter)`);
      }
      if (node.name === ELEMENT && node.type === 'mdxJsxTextElement') {
        fail(where, node, `put <${ELEMENT}> and </${ELEMENT}> on lines of their own, with a blank line inside each`);
      }
      if (node.name !== ELEMENT || node.type !== 'mdxJsxFlowElement') {
        visit(node);
        continue;
      }
      const known = new Set(['rule', 'teaser']);
      const unknown = node.attributes?.find((a) => a.type !== 'mdxJsxAttribute' || !known.has(a.name ?? ''));
      if (unknown) fail(where, node, `<${ELEMENT}> takes rule="…" and teaser="…" only; got ${unknown.name ?? '{…}'}`);
      let rule: MembersRule;
      try {
        rule = parseRule(stringAttribute(node, 'rule', where));
      } catch (error) {
        if (error instanceof RuleError) fail(where, node, `rule: ${error.message}`);
        throw error;
      }
      const content = node.children ?? [];
      if (content.length === 0) fail(where, node, `<${ELEMENT}> is empty`);
      checkBlockContent(content, imported, where);
      cuts.push({rule, source: sourceOf(value, content, where)});
      text += plainText(content);
      children[i] = placeholder(page, cuts.length - 1, rule, stringAttribute(node, 'teaser', where));
    }
  };
  visit(tree);
  return {cuts, text};
}

function writeArtefact(outDir: string, artefact: Artefact): void {
  fs.mkdirSync(outDir, {recursive: true});
  const target = path.join(outDir, `${artefact.page}.json`);
  // written whole then renamed: the API never reads half a file
  const temporary = `${target}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, JSON.stringify(artefact));
  fs.renameSync(temporary, target);
}

export default function remarkMembersOnly(options: MembersOnlyRemarkOptions) {
  return async function transformer(tree: MdNode, file: FileLike): Promise<void> {
    const filePath = file.path ?? '';
    const relative = path.relative(options.siteDir, filePath).split(path.sep).join('/');
    const where = relative || '<mdx>';
    const page = pageIdOf(relative);
    const value = typeof file.value === 'string' ? file.value : String(file.value ?? '');
    const frontMatter = (file.data as {frontMatter?: Record<string, unknown>} | undefined)?.frontMatter ?? {};
    const rule = pageRule(relative, frontMatter, options, where);

    let cuts: Cut[];
    let protectedText: string;
    if (rule) {
      if (typeof frontMatter.description !== 'string' || !frontMatter.description.trim()) {
        // Docusaurus would take the page's first paragraph as its description, into the HTML and the metadata
        fail(where, undefined, `a members-only page needs a "description" in its front matter (it is public)`);
      }
      const teaser = typeof frontMatter[FRONT_MATTER_TEASER] === 'string' ? (frontMatter[FRONT_MATTER_TEASER] as string) : undefined;
      const result = cutPage(tree, value, rule, page, teaser, where);
      cuts = result ? [result.cut] : [];
      protectedText = result?.text ?? '';
    } else {
      const result = cutBlocks(tree, value, page, where);
      cuts = result.cuts;
      protectedText = result.text;
      const excerpt = typeof frontMatter.description === 'string' ? undefined : options.excerpt?.(withoutFrontMatter(tree, value))?.trim();
      if (cuts.length && excerpt && protectedText.includes(excerpt) && !plainText(tree.children ?? []).includes(excerpt)) {
        fail(where, undefined, `the page's description would be taken from a members-only block: ` +
          `give the page a "description" in its front matter, or a public paragraph before the block`);
      }
    }

    if (isTruncatedCompile(filePath, value)) return;
    const target = path.join(options.outDir, `${page}.json`);
    if (cuts.length === 0) {
      // a page that had blocks in an earlier build (or `docusaurus start`) has none now
      fs.rmSync(target, {force: true});
      return;
    }
    const blocks = await Promise.all(
      cuts.map(async (cut) => ({rule: cut.rule, format: BLOCK_FORMAT, code: await options.compile(cut.source, filePath)}) as const),
    );
    writeArtefact(options.outDir, {version: ARTEFACT_VERSION, page, source: relative, blocks});
  };
}

function withoutFrontMatter(tree: MdNode, value: string): string {
  const yaml = tree.children?.find((n) => n.type === 'yaml');
  const end = yaml?.position?.end.offset;
  return end === undefined ? value : value.slice(end);
}
