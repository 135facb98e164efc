import {ERROR_CODES, errorFromResponse, isErrorCode} from '../src/client/errors';

const answer = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), {status, headers: {'Content-Type': 'application/json'}});

describe('errors from the API', () => {
  it('keeps a code the API documents, with the API\'s detail as the message', async () => {
    const err = await errorFromResponse(answer(401, {detail: 'The current password is not correct', code: 'INVALID_PASSWORD'}));
    expect(err.code).toBe('INVALID_PASSWORD');
    expect(err.message).toBe('The current password is not correct');
    expect(err.status).toBe(401);
  });

  it('drops a code this kit does not know (a newer API) but keeps its detail', async () => {
    const err = await errorFromResponse(answer(409, {detail: 'Something new happened', code: 'SOMETHING_NEW'}));
    expect(err.code).toBeUndefined();
    expect(err.message).toBe('Something new happened');
  });

  it('knows exactly the generated codes', () => {
    expect(ERROR_CODES.every(isErrorCode)).toBe(true);
    expect(ERROR_CODES).toContain('RATE_LIMITED');
    for (const other of ['SOMETHING_NEW', 'NETWORK_ERROR', 'rate_limited', 42, null]) expect(isErrorCode(other)).toBe(false);
  });
});
