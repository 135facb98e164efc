import {safeNextPath} from '../src/client';

describe('safeNextPath (open-redirect guard)', () => {
  it.each([
    ['/docs/intro', '/docs/intro'],
    ['/docs/balance?tab=2#capture-point', '/docs/balance?tab=2#capture-point'],
    ['/', '/'],
    ['/auth/account', '/auth/account'],
  ])('keeps the same-site path %s', (next, expected) => {
    expect(safeNextPath(next)).toBe(expected);
  });

  it.each([
    ['//evil.com'],
    ['//evil.com/docs'],
    ['/\\evil.com'],
    ['\\\\evil.com'],
    ['https://evil.com/'],
    ['http:evil.com'],
    ['javascript:alert(1)'],
    ['/\t/evil.com'],
    ['/%0a/evil.com'.replace('%0a', '\n')],
    ['evil.com'],
    ['docs/intro'],
    [''],
    [null],
    [undefined],
    ['/auth/login'],
    ['/auth/login?next=/x'],
    ['/auth/signup'],
    [`/${'a'.repeat(3000)}`],
  ])('rejects %j', (next) => {
    expect(safeNextPath(next as string | null | undefined)).toBe('/');
  });

  it('uses the given fallback (e.g. a baseUrl)', () => {
    expect(safeNextPath('//evil.com', '/textbook/')).toBe('/textbook/');
  });
});
