// Copies the stylesheet(s) next to the compiled JavaScript; tsc only emits .js and .d.ts.
import {cpSync, readdirSync} from 'node:fs';
import {fileURLToPath} from 'node:url';

const src = fileURLToPath(new URL('../src/', import.meta.url));
const lib = fileURLToPath(new URL('../lib/', import.meta.url));
for (const name of readdirSync(src)) {
  if (name.endsWith('.css')) cpSync(src + name, lib + name);
}
