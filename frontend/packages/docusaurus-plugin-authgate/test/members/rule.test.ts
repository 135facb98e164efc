import {EXPERIENCE_LEVELS, PROFESSIONAL_ROLES} from '../../src/client/types';
import {formatRule, parseRule, RULE_LEVELS, RULE_ROLES} from '../../src/members/rule';

describe('members-only rules', () => {
  it('default to any signed-in reader', () => {
    for (const text of [undefined, true, '', 'signed-in', '  ']) {
      expect(parseRule(text as string | undefined)).toEqual({verified_email: false, levels: [], roles: []});
    }
  });

  it('read verified, levels and roles, in any order and spacing', () => {
    expect(parseRule('role: engineer | researcher ; verified level:ADVANCED')).toEqual({
      verified_email: true,
      levels: ['advanced'],
      roles: ['engineer', 'researcher'],
    });
    expect(parseRule('level:beginner,beginner')).toEqual({verified_email: false, levels: ['beginner'], roles: []});
  });

  it('refuse what they cannot read', () => {
    expect(() => parseRule('level:guru')).toThrow(/unknown level/);
    expect(() => parseRule('verified:yes')).toThrow(/takes no value/);
    expect(() => parseRule('level:beginner level:advanced')).toThrow(/twice/);
    expect(() => parseRule('role:')).toThrow(/at least one/);
    expect(() => parseRule(3 as unknown as string)).toThrow(/string/);
  });

  it('round-trip through the compact form the placeholder carries', () => {
    const rule = parseRule('verified; level:intermediate|advanced; role:student');
    expect(parseRule(formatRule(rule))).toEqual(rule);
    expect(formatRule(parseRule(undefined))).toBe('');
  });

  it("know the API's levels and roles, as the browser modules do", () => {
    expect([...RULE_LEVELS]).toEqual([...EXPERIENCE_LEVELS]);
    expect([...RULE_ROLES]).toEqual([...PROFESSIONAL_ROLES]);
  });
});
