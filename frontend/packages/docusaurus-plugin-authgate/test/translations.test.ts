// @vitest-environment node
import {readFileSync, readdirSync} from 'node:fs';
import path from 'node:path';
import {extractAllSourceCodeFileTranslations, getBabelOptions} from '@docusaurus/babel';

/**
 * What `docusaurus write-translations` extracts from the kit (Docusaurus' own extractor, on the sources the
 * plugin hands it through getPathsToWatch), checked for what translators need, and against the example site's
 * Urdu code.json: a message the kit uses but Urdu lacks would show in English on the Urdu pages.
 */
const pkg = path.resolve(__dirname, '..');
const urduCodeJson = path.resolve(pkg, '..', '..', 'site', 'i18n', 'ur', 'code.json');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true, recursive: true})
    .filter((e) => e.isFile() && /\.(ts|tsx)$/.test(e.name) && !e.name.endsWith('.d.ts'))
    .map((e) => path.join(e.parentPath, e.name));
}

type Entry = {message: string; description?: string};

async function extracted(): Promise<{byId: Map<string, Entry[]>; warnings: string[]}> {
  const files = [...sourceFiles(path.join(pkg, 'src', 'theme')), ...sourceFiles(path.join(pkg, 'src', 'client'))];
  const results = await extractAllSourceCodeFileTranslations(files, getBabelOptions({isServer: true}));
  const byId = new Map<string, Entry[]>();
  for (const file of results) {
    for (const [id, entry] of Object.entries(file.translations)) byId.set(id, [...(byId.get(id) ?? []), entry]);
  }
  return {byId, warnings: results.flatMap((r) => r.warnings)};
}

const placeholders = (text: string) => [...new Set(text.match(/\{\w+\}/g) ?? [])].sort();

describe("the kit's messages", () => {
  it('are all extractable, under authgate.*, described, and one message per id', async () => {
    const {byId, warnings} = await extracted();
    // a translate() or <Translate> whose text is not a literal would be missed by write-translations
    expect(warnings).toEqual([]);
    expect(byId.size).toBeGreaterThan(300);
    for (const [id, entries] of byId) {
      expect(id).toMatch(/^authgate\.[\w.]+$/);
      for (const entry of entries) {
        expect(entry.description, id).toBeTruthy();
        expect(entry.message, `${id} has two different default messages`).toBe(entries[0].message);
      }
    }
  }, 60_000);

  it('are every one translated in the example site Urdu code.json, with the same placeholders', async () => {
    const {byId} = await extracted();
    const urdu = JSON.parse(readFileSync(urduCodeJson, 'utf8')) as Record<string, {message: string}>;
    const missing = [...byId.keys()].filter((id) => !urdu[id]);
    expect(missing, 'run: cd frontend/site && npx docusaurus write-translations --locale ur').toEqual([]);
    for (const [id, [entry]] of byId) {
      const translated = urdu[id].message;
      expect(placeholders(translated), id).toEqual(placeholders(entry.message));
      expect(translated.split('|').length, `${id}: plural forms`).toBe(entry.message.split('|').length);
      // written in Urdu, not the English default left in place
      expect(translated, id).toMatch(/[\u0600-\u06FF]/);
    }
    // and no translation for a message the kit no longer has
    const stale = Object.keys(urdu).filter((id) => id.startsWith('authgate.') && !byId.has(id));
    expect(stale).toEqual([]);
  }, 60_000);
});
