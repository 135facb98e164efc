import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {compile} from '@mdx-js/mdx';
import rehypeKatex from 'rehype-katex';
import remarkMath from 'remark-math';
import {findLeaks, leakReport, protectedSnippets, snippetsOf} from '../../src/members/leaks';

async function code(source: string, math = false): Promise<string> {
  const plugins = math ? {remarkPlugins: [remarkMath], rehypePlugins: [rehypeKatex]} : {};
  return String(await compile(source, {outputFormat: 'function-body', providerImportSource: '@mdx-js/react', ...plugins}));
}

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'authgate-members-leaks-'));
  fs.mkdirSync(path.join(root, 'build/assets'), {recursive: true});
  fs.mkdirSync(path.join(root, 'build-members'));
});
afterEach(() => fs.rmSync(root, {recursive: true, force: true}));

async function artefact(source: string, file = 'docs/a.mdx') {
  const blocks = [{rule: {verified_email: false, levels: [], roles: []}, format: 'mdx-function-body', code: await code(source)}];
  fs.writeFileSync(path.join(root, 'build-members', 'a.json'), JSON.stringify({version: 1, page: 'a', source: file, blocks}));
}

describe('the build leak check', () => {
  it("takes the block's text, not MDX's own strings", async () => {
    const snippets = snippetsOf(await code('## The secret heading of the block\n\nA **bold** word, then <Figure caption="A caption long enough to count" />.\n'));
    expect(snippets).toContain('The secret heading of the block');
    expect(snippets).toContain('A caption long enough to count');
    expect(snippets.join('\n')).not.toMatch(/to be defined|use strict|_components/);
    // short text is not looked for
    expect(snippetsOf(await code('Short words.'))).toEqual([]);
  });

  it('finds protected text anywhere in the build: a page, a chunk, a copy of the Markdown source', async () => {
    await artefact('The solution is to bend the knee first, then the hip.\n');
    fs.writeFileSync(path.join(root, 'build/index.html'), '<p>Public page</p>');
    expect(findLeaks(path.join(root, 'build'), protectedSnippets(path.join(root, 'build-members')))).toEqual([]);
    // the blog archive's way: the post's Markdown in a JSON string of a chunk
    const source = JSON.stringify({content: '<MembersOnly>\n\nThe solution is to bend the knee first, then the hip.\n\n</MembersOnly>'});
    fs.writeFileSync(path.join(root, 'build/assets/archive.js'), `JSON.parse('${source}')`);
    const leaks = findLeaks(path.join(root, 'build'), protectedSnippets(path.join(root, 'build-members')));
    expect(leaks).toEqual([{text: 'The solution is to bend the knee first, then the hip.', source: 'docs/a.mdx', file: path.join('assets', 'archive.js')}]);
    expect(leakReport(leaks)).toMatch(/from docs\/a\.mdx\) in assets\/archive\.js[\s\S]*archiveBasePath: null/);
  });

  it("looks for a math block's text, not KaTeX's class lists, styles and SVG paths that public math shares", async () => {
    const block = await code('The capture point follows from the pendulum: $\\xi = x + \\dot{x} / \\sqrt{g / z_0}$\n\n$$\nx_{k+1} = \\sqrt{2}\n$$\n', true);
    // not vacuous: the compiled block does carry long presentational strings
    expect(block).toMatch(/className: "[^"]*sizing reset-size6 size3 mtight/);
    expect(block).toMatch(/\bd: "M[^"]{24,}/);
    const snippets = snippetsOf(block);
    expect(snippets).toContain('The capture point follows from the pendulum:');
    expect(snippets.join('\n')).not.toMatch(/sizing|katex|^M\d/m);

    // a public page with math of its own: the same KaTeX markup, in its HTML and its chunk
    await artefact('The capture point follows from the pendulum: $\\xi = x + \\dot{x} / \\sqrt{g / z_0}$\n', 'docs/a.mdx');
    fs.writeFileSync(path.join(root, 'build', 'assets', 'public.js'), await code('Public: $z_{0} + \\sqrt{g}$ and $$\n\\sqrt{x^2}\n$$\n', true));
    const blocks = [{rule: {verified_email: false, levels: [], roles: []}, format: 'mdx-function-body', code: block}];
    fs.writeFileSync(path.join(root, 'build-members', 'a.json'), JSON.stringify({version: 1, page: 'a', source: 'docs/a.mdx', blocks}));
    expect(findLeaks(path.join(root, 'build'), protectedSnippets(path.join(root, 'build-members')))).toEqual([]);
    // the protected sentence itself is still found
    fs.writeFileSync(path.join(root, 'build', 'copy.txt'), 'The capture point follows from the pendulum: xi');
    expect(findLeaks(path.join(root, 'build'), protectedSnippets(path.join(root, 'build-members'))).map((l) => l.file)).toEqual(['copy.txt']);
  });

  it('a string prop of a component is text, whatever its name; a presentational attribute is not', async () => {
    const block = await code('<Figure title="A title long enough to be looked for" className="a-class-list-long-enough-to-count" style={{fontFamily: "A font family long enough to count"}} />\n');
    expect(snippetsOf(block)).toEqual(['A title long enough to be looked for']);
  });

  it('has nothing to look for without artefacts', () => {
    expect(protectedSnippets(path.join(root, 'none'))).toEqual([]);
  });
});
