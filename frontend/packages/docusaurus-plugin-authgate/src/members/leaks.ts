/**
 * The last check of a build: no protected text is anywhere in the public output. The remark plugin keeps blocks out
 * of the compiled pages, but a plugin may copy a page's source elsewhere (the blog's archive page carries every
 * post's Markdown, for one): every file of `build/` is searched for text taken from the artefacts.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Text shorter than this is not looked for (a word or two of a block may well be public elsewhere). */
export const MIN_SNIPPET = 24;
const BINARY = /\.(png|jpe?g|gif|webp|avif|ico|woff2?|ttf|eot|otf|mp4|webm|pdf|zip|gz|br)$/i;

export interface Snippet {
  text: string;
  source: string;
}

export interface Leak extends Snippet {
  file: string;
}

/**
 * Attributes that say how markup looks, never what it says: the same values are in public pages made by the same
 * plugins (KaTeX's class lists and the SVG paths of its square roots and arrows, for one), so they are not looked for.
 */
const PRESENTATION = new Set(['className', 'class', 'style', 'd', 'viewBox', 'preserveAspectRatio', 'xmlns', 'transform', 'points']);
// the key before a string literal in compiled code: `className: "…"` or `"aria-hidden": "…"`
const KEY_BEFORE = /(?:([A-Za-z_$][\w$-]*)|"([^"\\\n]*)")\s*:\s*$/;

/**
 * The runs of plain ASCII text (letters, digits, spaces, light punctuation) in the strings of a block's compiled
 * code: characters a bundler or a JSON file writes as they are, never escaped. Text children and the string props of
 * components count (a caption is text); presentational attributes and inline styles do not.
 */
export function snippetsOf(code: string): string[] {
  const found = new Set<string>();
  // MDX's own helper (the "Expected component … to be defined" message) is in every page's bundle
  const content = code
    .split(/\bfunction _missingMdxReference\b/)[0]!
    // an inline style is an object of CSS values (`style: {height: "0.68em"}`), never nested
    .replace(/\bstyle:\s*\{[^{}]*\}/g, 'style: {}');
  for (const match of content.matchAll(/"((?:[^"\\\n]|\\.)*)"/g)) {
    const key = KEY_BEFORE.exec(content.slice(Math.max(0, match.index - 64), match.index));
    if (key && PRESENTATION.has(key[1] ?? key[2] ?? '')) continue;
    let text: string;
    try {
      text = JSON.parse(`"${match[1]}"`) as string;
    } catch {
      continue;
    }
    for (const run of text.match(/[A-Za-z0-9][A-Za-z0-9 ,.;:()-]+/g) ?? []) {
      const trimmed = run.trim();
      if (trimmed.length >= MIN_SNIPPET) found.add(trimmed.slice(0, 60));
    }
  }
  return [...found];
}

/** Every snippet of every artefact in `outDir`, with the page it comes from. */
export function protectedSnippets(outDir: string): Snippet[] {
  let names: string[];
  try {
    names = fs.readdirSync(outDir).filter((name) => name.endsWith('.json'));
  } catch {
    return [];
  }
  const snippets: Snippet[] = [];
  for (const name of names) {
    const artefact = JSON.parse(fs.readFileSync(path.join(outDir, name), 'utf8')) as {
      source?: string;
      blocks?: Array<{code?: string}>;
    };
    for (const block of artefact.blocks ?? []) {
      for (const text of snippetsOf(block.code ?? '')) snippets.push({text, source: artefact.source ?? name});
    }
  }
  return snippets;
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, {withFileTypes: true}).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

/** Where in `buildDir` protected text shows up. */
export function findLeaks(buildDir: string, snippets: Snippet[]): Leak[] {
  if (snippets.length === 0) return [];
  const leaks: Leak[] = [];
  for (const file of filesUnder(buildDir)) {
    if (BINARY.test(file)) continue;
    const body = fs.readFileSync(file, 'utf8');
    for (const snippet of snippets) {
      if (body.includes(snippet.text)) {
        leaks.push({text: snippet.text, source: snippet.source, file: path.relative(buildDir, file)});
      }
    }
  }
  return leaks;
}

export function leakReport(leaks: Leak[]): string {
  const lines = leaks.slice(0, 10).map((l) => `  "${l.text}" (from ${l.source}) in ${l.file}`);
  return (
    `members-only text is in the public build:\n${lines.join('\n')}` +
    (leaks.length > 10 ? `\n  … and ${leaks.length - 10} more` : '') +
    `\nA plugin copied a page's source into the build (the blog's archive page does: set archiveBasePath: null ` +
    `in the blog options), or a block repeats public text word for word.`
  );
}
