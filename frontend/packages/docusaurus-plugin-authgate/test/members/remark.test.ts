import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {compile} from '@mdx-js/mdx';
import remarkMembersOnly, {globToRegExp, pageIdOf, type Artefact} from '../../src/members/remark';

const SITE = path.join(os.tmpdir(), 'authgate-members-site');
let outDir: string;

beforeEach(() => {
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authgate-members-out-'));
});

afterEach(() => {
  fs.rmSync(outDir, {recursive: true, force: true});
});

afterAll(() => {
  fs.rmSync(SITE, {recursive: true, force: true});
});

/** A block compiled the way the kit does it: MDX, as the body of a function. */
async function compileBlock(source: string): Promise<string> {
  return String(await compile(source, {outputFormat: 'function-body', providerImportSource: '@mdx-js/react'}));
}

async function build(
  source: string,
  {file = 'docs/chapter.mdx', frontMatter = {}, pages = [], excerpt}: {
    file?: string;
    frontMatter?: Record<string, unknown>;
    pages?: Array<{path: string; rule?: string}>;
    excerpt?: (content: string) => string | undefined;
  } = {},
) {
  const filePath = path.join(SITE, file);
  const page = String(
    await compile(
      {value: source, path: filePath, data: {frontMatter}},
      {remarkPlugins: [[remarkMembersOnly, {siteDir: SITE, outDir, pages, excerpt, compile: compileBlock}]]},
    ),
  );
  const artefactPath = path.join(outDir, `${pageIdOf(file)}.json`);
  const artefact = fs.existsSync(artefactPath) ? (JSON.parse(fs.readFileSync(artefactPath, 'utf8')) as Artefact) : null;
  return {page, artefact};
}

const CHAPTER = `# Chapter

Public introduction.

<MembersOnly teaser="Worked solution inside.">

## Solution SECRET-ONE

Text with **SECRET-BOLD** and a component:

<JointLimits caption="SECRET-CAPTION" />

\`\`\`python
print("SECRET-CODE")
\`\`\`

</MembersOnly>

Between the blocks.

<MembersOnly rule="verified; level: intermediate | advanced; role:researcher,engineer">

SECRET-TWO for some readers.

</MembersOnly>
`;

describe('members-only remark plugin', () => {
  it('cuts every block out of the page and leaves a placeholder with the page id, index, rule and teaser', async () => {
    const {page} = await build(CHAPTER);
    expect(page).not.toMatch(/SECRET/);
    expect(page).toContain('Public introduction.');
    expect(page).toContain('Between the blocks.');
    const id = pageIdOf('docs/chapter.mdx');
    expect(id).toMatch(/^[0-9a-f]{24}$/);
    expect(page).toContain(`page: "${id}"`);
    expect(page).toContain('block: "0"');
    expect(page).toContain('block: "1"');
    expect(page).toContain('teaser: "Worked solution inside."');
    expect(page).toContain('rule: "verified; level:intermediate|advanced; role:researcher|engineer"');
    // the protected heading is in no table of contents
    expect(page).not.toMatch(/Solution/);
  });

  it('writes the blocks, in page order with their parsed rules, to one artefact outside the build', async () => {
    const {artefact} = await build(CHAPTER);
    expect(artefact).not.toBeNull();
    expect(artefact!.version).toBe(1);
    expect(artefact!.page).toBe(pageIdOf('docs/chapter.mdx'));
    expect(artefact!.source).toBe('docs/chapter.mdx');
    expect(artefact!.blocks.map((b) => b.rule)).toEqual([
      {verified_email: false, levels: [], roles: []},
      {verified_email: true, levels: ['intermediate', 'advanced'], roles: ['researcher', 'engineer']},
    ]);
    expect(artefact!.blocks[0]!.format).toBe('mdx-function-body');
    expect(artefact!.blocks[0]!.code).toContain('SECRET-CODE');
    expect(artefact!.blocks[0]!.code).toContain('JointLimits');
    expect(artefact!.blocks[1]!.code).toContain('SECRET-TWO');
    expect(artefact!.blocks[1]!.code).not.toContain('SECRET-ONE');
    expect(fs.readdirSync(outDir)).toEqual([`${pageIdOf('docs/chapter.mdx')}.json`]);
  });

  it('keeps indented block content intact (dedented before it is compiled)', async () => {
    const {artefact} = await build('<MembersOnly>\n\n  Indented SECRET paragraph\n  on two lines.\n\n</MembersOnly>\n');
    expect(artefact!.blocks[0]!.code).toContain('Indented SECRET paragraph');
    expect(artefact!.blocks[0]!.code).not.toContain('language-');
  });

  it('protects a whole page marked in its front matter, keeping its imports and title', async () => {
    const source = `import Note from './note';\n\n# Notes\n\nSECRET-PAGE first paragraph.\n\n## Week SECRET-HEADING\n\nMore.\n`;
    const {page, artefact} = await build(source, {
      frontMatter: {members_only: 'role:student', description: 'Public summary', members_teaser: 'For students'},
    });
    expect(page).not.toMatch(/SECRET/);
    expect(page).toContain('Notes');
    expect(page).toContain('teaser: "For students"');
    expect(artefact!.blocks).toHaveLength(1);
    expect(artefact!.blocks[0]!.rule).toEqual({verified_email: false, levels: [], roles: ['student']});
    expect(artefact!.blocks[0]!.code).toContain('SECRET-HEADING');
  });

  it('protects the pages a glob of the plugin options names', async () => {
    const pages = [{path: 'docs/solutions/**', rule: 'level:advanced'}];
    const inside = await build('Solution SECRET-GLOB.\n', {file: 'docs/solutions/week1/a.mdx', pages, frontMatter: {description: 'x'}});
    expect(inside.page).not.toMatch(/SECRET/);
    expect(inside.artefact!.blocks[0]!.rule.levels).toEqual(['advanced']);
    const outside = await build('Public SECRET-NOT.\n', {file: 'docs/intro.mdx', pages});
    expect(outside.page).toContain('SECRET-NOT');
    expect(outside.artefact).toBeNull();
    expect(globToRegExp('docs/*.mdx').test('docs/a/b.mdx')).toBe(false);
    expect(globToRegExp('docs/**').test('docs/a/b.mdx')).toBe(true);
  });

  it('refuses a members-only page without a description (Docusaurus would take its first paragraph)', async () => {
    await expect(build('SECRET first paragraph.\n', {frontMatter: {members_only: true}})).rejects.toThrow(/description/);
  });

  it("refuses a page whose description would come from a block's text", async () => {
    const excerpt = (content: string) => content.split('\n').find((l) => l.trim() && !l.startsWith('<'))?.trim();
    await expect(build('<MembersOnly>\n\nSECRET opening line.\n\n</MembersOnly>\n', {excerpt})).rejects.toThrow(/description/);
    // a public paragraph first, or a description in the front matter, is fine
    await expect(build('Public first.\n\n<MembersOnly>\n\nSECRET.\n\n</MembersOnly>\n', {excerpt})).resolves.toBeTruthy();
    await expect(
      build('<MembersOnly>\n\nSECRET.\n\n</MembersOnly>\n', {excerpt, frontMatter: {description: 'Public'}}),
    ).resolves.toBeTruthy();
  });

  it("a blog list page's compile, cut at the truncate marker, writes no artefact", async () => {
    const file = 'blog/post.mdx';
    const full = 'Intro.\n\n{/* truncate */}\n\n<MembersOnly>\n\nSECRET after the marker.\n\n</MembersOnly>\n';
    fs.mkdirSync(path.join(SITE, 'blog'), {recursive: true});
    fs.writeFileSync(path.join(SITE, file), full);
    const post = await build(full, {file});
    expect(post.artefact!.blocks).toHaveLength(1);
    // the list page compiles "Intro." only: the post's artefact stays whole
    const list = await build('Intro.\n\n', {file});
    expect(list.artefact!.blocks).toHaveLength(1);
    expect(list.artefact!.blocks[0]!.code).toContain('SECRET after the marker');
  });

  it('removes the artefact of a page that has no block any more', async () => {
    await build(CHAPTER);
    expect(fs.readdirSync(outDir)).toHaveLength(1);
    await build('# Chapter\n\nAll public now.\n');
    expect(fs.readdirSync(outDir)).toHaveLength(0);
  });

  it.each([
    ['an unknown level', '<MembersOnly rule="level:expert">\n\nx\n\n</MembersOnly>\n', /unknown level "expert"/],
    ['an unknown role', '<MembersOnly rule="role:admin">\n\nx\n\n</MembersOnly>\n', /unknown role "admin"/],
    ['an unknown condition', '<MembersOnly rule="paid">\n\nx\n\n</MembersOnly>\n', /unknown condition "paid"/],
    ['an empty level list', '<MembersOnly rule="level:">\n\nx\n\n</MembersOnly>\n', /at least one value/],
    ['an expression rule', '<MembersOnly rule={"level:advanced"}>\n\nx\n\n</MembersOnly>\n', /plain string/],
    ['an unknown attribute', '<MembersOnly level="advanced">\n\nx\n\n</MembersOnly>\n', /rule="…" and teaser="…" only/],
    ['an empty block', '<MembersOnly>\n</MembersOnly>\n', /is empty/],
    ['a block inside a paragraph', 'Text <MembersOnly>SECRET</MembersOnly> inline.\n', /lines of their own/],
    ['a nested block', '<MembersOnly>\n\n<MembersOnly>\n\nx\n\n</MembersOnly>\n\n</MembersOnly>\n', /nested/],
    [
      'a component the page imports',
      "import Tabs from '@theme/Tabs';\n\n<MembersOnly>\n\n<Tabs>x</Tabs>\n\n</MembersOnly>\n",
      /imported by the page/,
    ],
  ])('fails the build on %s, naming the file and line', async (_name, source, message) => {
    const result = build(source);
    await expect(result).rejects.toThrow(message);
    await expect(build(source)).rejects.toThrow(/docs\/chapter\.mdx:\d+: members-only content/);
    expect(fs.readdirSync(outDir)).toHaveLength(0);
  });

  it('fails the build on a block in a page compiled as plain Markdown (raw HTML there, text and all)', async () => {
    const filePath = path.join(SITE, 'docs/plain.md');
    const options = {siteDir: SITE, outDir, compile: compileBlock};
    const plain = compile(
      {value: '# Plain\n\n<MembersOnly>\n\nSECRET in markdown.\n\n</MembersOnly>\n', path: filePath},
      {format: 'md', remarkPlugins: [[remarkMembersOnly, options]]},
    );
    await expect(plain).rejects.toThrow(/docs\/plain\.md:3: members-only content: <MembersOnly> needs MDX/);
  });

  it('fails the build on a bad rule in the front matter', async () => {
    await expect(build('x\n', {frontMatter: {members_only: 'level:guru', description: 'd'}})).rejects.toThrow(/unknown level "guru"/);
  });
});
