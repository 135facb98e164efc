// @vitest-environment node
/**
 * The kit's generated types are what `make contract` writes from the committed OpenAPI document today: api.ts and
 * errorCodes.ts re-rendered here (same generator, same locked openapi-typescript) must equal the committed files.
 * (backend/tests/contract checks the document itself against the API.)
 */
import {readFileSync} from 'node:fs';
import {GENERATED_DIR, HEADER, readDocument, renderApi, renderErrorCodes} from '../scripts/contract.mjs';
import {ERROR_CODES} from '../src/client/generated/errorCodes';
import type {AnswerOf, BodyOf} from './fakeApi';

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

  it('the fake API is typed by the contract: a body the API would not send or take fails the type check', () => {
    // (checked by tsc in `make frontend-unit`: were these types loose, the unused @ts-expect-error would fail it)
    // @ts-expect-error the login body of the API has `password`, not `passwd`
    const wrongRequest: BodyOf<'POST /auth/login'> = {email: 'reader@example.org', passwd: 'x'};
    // @ts-expect-error a session list entry's last_used_at is always a time
    const wrongAnswer: AnswerOf<'GET /auth/sessions', 200> = [{id: 's', created_at: 't', last_used_at: null, ip_address: null, user_agent: null, current: true}];
    expect([wrongRequest, wrongAnswer]).toHaveLength(2);
  });
});
