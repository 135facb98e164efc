import type {ReactNode} from 'react';
import {translate} from '@docusaurus/Translate';
import Field from '@theme/Authgate/Field';
import {ORGANIZATION_MAX, ROLE_OTHER_MAX} from 'docusaurus-plugin-authgate/client';
import type {FieldErrors, ProfileFieldValues} from 'docusaurus-plugin-authgate/client';

/**
 * The experience levels in words. The defaults name no subject; a site words them for its own (plugin option
 * `messages`, e.g. "Beginner: new to robotics") and translates them in code.json.
 */
export function experienceOptions(): {value: string; label: string}[] {
  const d = 'An experience level in the profile form; sites usually reword it for their subject';
  return [
    {
      value: 'beginner',
      label: translate({id: 'authgate.profile.experience.beginner', message: 'Beginner: new to the subject', description: d}),
    },
    {
      value: 'intermediate',
      label: translate({id: 'authgate.profile.experience.intermediate', message: 'Intermediate: I know the basics', description: d}),
    },
    {
      value: 'advanced',
      label: translate({id: 'authgate.profile.experience.advanced', message: 'Advanced: I work in this field', description: d}),
    },
  ];
}

/** The professional roles in words (ids `authgate.profile.role.*`; a site may reword them too). */
export function roleOptions(): {value: string; label: string}[] {
  const d = 'A professional role in the profile form';
  return [
    {value: 'student', label: translate({id: 'authgate.profile.role.student', message: 'Student', description: d})},
    {value: 'researcher', label: translate({id: 'authgate.profile.role.researcher', message: 'Researcher', description: d})},
    {value: 'engineer', label: translate({id: 'authgate.profile.role.engineer', message: 'Engineer', description: d})},
    {value: 'hobbyist', label: translate({id: 'authgate.profile.role.hobbyist', message: 'Hobbyist', description: d})},
    {value: 'other', label: translate({id: 'authgate.profile.role.other', message: 'Other', description: d})},
  ];
}

export interface ProfileFieldsProps {
  idPrefix: string;
  values: ProfileFieldValues;
  errors: FieldErrors;
  disabled?: boolean;
  onChange: (name: keyof ProfileFieldValues, value: string) => void;
}

/** Experience level, role (with free text for "other") and organization: shared by sign-up and account. */
export default function ProfileFields({idPrefix, values, errors, disabled, onChange}: ProfileFieldsProps): ReactNode {
  return (
    <>
      <Field
        id={`${idPrefix}-experience`}
        label={translate({
          id: 'authgate.profile.experience.label',
          message: 'Experience level',
          description: 'Label of the experience level field',
        })}
        error={errors.experience_level}>
        {(control) => (
          <select
            {...control}
            name="experience_level"
            required
            disabled={disabled}
            value={values.experience_level}
            onChange={(e) => onChange('experience_level', e.target.value)}>
            <option value="" disabled>
              {translate({
                id: 'authgate.profile.experience.placeholder',
                message: 'Choose your level…',
                description: 'The empty choice of the experience level field',
              })}
            </option>
            {experienceOptions().map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field
        id={`${idPrefix}-role`}
        label={translate({id: 'authgate.profile.role.label', message: 'Role', description: 'Label of the role field'})}
        error={errors.professional_role}>
        {(control) => (
          <select
            {...control}
            name="professional_role"
            required
            disabled={disabled}
            value={values.professional_role}
            onChange={(e) => onChange('professional_role', e.target.value)}>
            <option value="" disabled>
              {translate({
                id: 'authgate.profile.role.placeholder',
                message: 'Choose your role…',
                description: 'The empty choice of the role field',
              })}
            </option>
            {roleOptions().map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      {values.professional_role === 'other' && (
        <Field
          id={`${idPrefix}-role-other`}
          label={translate({
            id: 'authgate.profile.roleOther.label',
            message: 'Your role',
            description: 'Label of the free-text role field shown when the role is "Other"',
          })}
          error={errors.role_other}
          hint={translate({
            id: 'authgate.profile.roleOther.hint',
            message: 'For example: teacher, product manager, artist.',
            description: 'Hint under the free-text role field',
          })}>
          {(control) => (
            <input
              {...control}
              type="text"
              name="role_other"
              required
              maxLength={ROLE_OTHER_MAX}
              disabled={disabled}
              value={values.role_other}
              onChange={(e) => onChange('role_other', e.target.value)}
            />
          )}
        </Field>
      )}
      <Field
        id={`${idPrefix}-organization`}
        label={translate({
          id: 'authgate.profile.organization.label',
          message: 'Organization',
          description: 'Label of the organization field',
        })}
        error={errors.organization}
        optional>
        {(control) => (
          <input
            {...control}
            type="text"
            name="organization"
            autoComplete="organization"
            maxLength={ORGANIZATION_MAX}
            disabled={disabled}
            value={values.organization}
            onChange={(e) => onChange('organization', e.target.value)}
          />
        )}
      </Field>
    </>
  );
}
