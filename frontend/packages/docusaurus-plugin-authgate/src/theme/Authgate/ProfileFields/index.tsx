import type {ReactNode} from 'react';
import Field from '@theme/Authgate/Field';
import {ORGANIZATION_MAX, ROLE_OTHER_MAX} from 'docusaurus-plugin-authgate/client';
import type {FieldErrors, ProfileFieldValues} from 'docusaurus-plugin-authgate/client';

/**
 * The select shows the short label and the hint under it says what each level means: a native select cannot
 * wrap its text, and "Intermediate: some robotics or programming" did not fit it on a 375 px phone.
 */
export const EXPERIENCE_OPTIONS = [
  {value: 'beginner', label: 'Beginner', description: 'new to robotics'},
  {value: 'intermediate', label: 'Intermediate', description: 'some robotics or programming'},
  {value: 'advanced', label: 'Advanced', description: 'I build or research robots'},
] as const;

const EXPERIENCE_HINT = EXPERIENCE_OPTIONS.map((o) => (
  <span key={o.value} className="authgate-field__hint-line">
    {o.label}: {o.description}
  </span>
));

export const ROLE_OPTIONS = [
  {value: 'student', label: 'Student'},
  {value: 'researcher', label: 'Researcher'},
  {value: 'engineer', label: 'Engineer'},
  {value: 'hobbyist', label: 'Hobbyist'},
  {value: 'other', label: 'Other'},
] as const;

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
        label="Experience level"
        error={errors.experience_level}
        hint={EXPERIENCE_HINT}>
        {(control) => (
          <select
            {...control}
            name="experience_level"
            required
            disabled={disabled}
            value={values.experience_level}
            onChange={(e) => onChange('experience_level', e.target.value)}>
            <option value="" disabled>
              Choose your level…
            </option>
            {EXPERIENCE_OPTIONS.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field id={`${idPrefix}-role`} label="Role" error={errors.professional_role}>
        {(control) => (
          <select
            {...control}
            name="professional_role"
            required
            disabled={disabled}
            value={values.professional_role}
            onChange={(e) => onChange('professional_role', e.target.value)}>
            <option value="" disabled>
              Choose your role…
            </option>
            {ROLE_OPTIONS.map((o) => (
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
          label="Your role"
          error={errors.role_other}
          hint="For example: teacher, product manager, artist.">
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
      <Field id={`${idPrefix}-organization`} label="Organization" error={errors.organization} optional>
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
