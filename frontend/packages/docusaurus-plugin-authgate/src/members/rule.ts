/**
 * The rule of a members-only block or page, as authors write it and as the API reads it from the artefact.
 *
 *   rule="signed-in"                       any signed-in reader (the default)
 *   rule="verified"                        a reader whose email address is verified
 *   rule="level:intermediate|advanced"     one of these experience levels
 *   rule="role:researcher,engineer"        one of these professional roles
 *   rule="verified; level:advanced"        every condition given (`;` or spaces between them)
 *
 * Build-time code (the remark plugin): compiled as CommonJS with the plugin's Node side, so it imports nothing from
 * the browser modules; the two value lists mirror the API's enums (a unit test checks they match client/types).
 */

export const RULE_LEVELS = ['beginner', 'intermediate', 'advanced'] as const;
export const RULE_ROLES = ['student', 'researcher', 'engineer', 'hobbyist', 'other'] as const;

/** The artefact's and the API's shape (backend/src/authgate/content/schemas.py: Rule). */
export interface MembersRule {
  verified_email: boolean;
  levels: string[];
  roles: string[];
}

export class RuleError extends Error {}

function values(kind: 'level' | 'role', text: string, allowed: readonly string[]): string[] {
  const list = text
    .split(/[|,]/)
    .map((v) => v.trim().toLowerCase())
    .filter(Boolean);
  if (list.length === 0) throw new RuleError(`"${kind}:" needs at least one value (${allowed.join(', ')})`);
  for (const value of list) {
    if (!allowed.includes(value)) {
      throw new RuleError(`unknown ${kind} "${value}" (one of: ${allowed.join(', ')})`);
    }
  }
  return [...new Set(list)];
}

/** Parses a rule; throws RuleError with a message fit for the author when it cannot be read. */
export function parseRule(text: string | undefined | null | boolean): MembersRule {
  const rule: MembersRule = {verified_email: false, levels: [], roles: []};
  if (text === undefined || text === null || text === true) return rule;
  if (typeof text !== 'string') throw new RuleError(`a rule is a string like "level:advanced"; got ${String(text)}`);
  // spaces around the colon and the separators are allowed: "level: beginner | intermediate"
  const normalised = text.replace(/\s*([:|,])\s*/g, '$1');
  for (const term of normalised.split(/[;\s]+/).filter(Boolean)) {
    const [kind, rest] = term.includes(':') ? [term.slice(0, term.indexOf(':')), term.slice(term.indexOf(':') + 1)] : [term, ''];
    switch (kind.toLowerCase()) {
      case 'signed-in':
      case 'signedin':
        if (rest) throw new RuleError(`"signed-in" takes no value`);
        break;
      case 'verified':
        if (rest) throw new RuleError(`"verified" takes no value`);
        rule.verified_email = true;
        break;
      case 'level':
      case 'levels':
        if (rule.levels.length) throw new RuleError('"level:" is given twice; list the levels in one term');
        rule.levels = values('level', rest, RULE_LEVELS);
        break;
      case 'role':
      case 'roles':
        if (rule.roles.length) throw new RuleError('"role:" is given twice; list the roles in one term');
        rule.roles = values('role', rest, RULE_ROLES);
        break;
      default:
        throw new RuleError(`unknown condition "${term}" (use signed-in, verified, level:…, role:…)`);
    }
  }
  return rule;
}

/** The rule in the compact form the placeholder carries ("verified; level:advanced"); "" for signed-in only. */
export function formatRule(rule: MembersRule): string {
  const terms: string[] = [];
  if (rule.verified_email) terms.push('verified');
  if (rule.levels.length) terms.push(`level:${rule.levels.join('|')}`);
  if (rule.roles.length) terms.push(`role:${rule.roles.join('|')}`);
  return terms.join('; ');
}
