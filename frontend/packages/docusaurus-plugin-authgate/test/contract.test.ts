// @vitest-environment node
/**
 * The kit's generated types are what `make contract` writes from the committed OpenAPI document today: api.ts and
 * errorCodes.ts re-rendered here (same generator, same locked openapi-typescript) must equal the committed files.
 * (backend/tests/contract checks the document itself against the API.)
 */
import {readFileSync} from 'node:fs';
import {GENERATED_DIR, HEADER, readDocument, renderApi, renderErrorCodes} from '../scripts/contract.mjs';
import {ERROR_CODES} from '../src/client/generated/errorCodes';

const STALE = 'the generated types are stale: run `make contract` and commit what it writes';
const committed = (name: string) => readFileSync(`${GENERATED_DIR}${name}`, 'utf8');

describe('the generated contract', () => {
  it('api.ts is what openapi-typescript renders from openapi.json', async () => {
    expect(committed('api.ts') === (await renderApi(readDocument())), STALE).toBe(true);
  });

  it('errorCodes.ts lists the ErrorCode enum of openapi.json', () => {
    expect(committed('errorCodes.ts') === renderErrorCodes(readDocument()), STALE).toBe(true);
    const schemas = (readDocument().components as {schemas: {ErrorCode: {enum: string[]}}}).schemas;
    expect([...ERROR_CODES]).toEqual(schemas.ErrorCode.enum);
  });

  it('every generated file says it is generated', () => {
    for (const name of ['api.ts', 'errorCodes.ts']) expect(committed(name).startsWith(HEADER)).toBe(true);
  });

  it('a changed document renders different types (the comparison can fail)', async () => {
    const document = readDocument();
    const schemas = (document.components as {schemas: {ErrorCode: {enum: string[]}}}).schemas;
    schemas.ErrorCode.enum = [...schemas.ErrorCode.enum, 'SOMETHING_NEW'];
    expect(renderErrorCodes(document)).not.toBe(committed('errorCodes.ts'));
    expect(await renderApi(document)).not.toBe(committed('api.ts'));
  });
});
