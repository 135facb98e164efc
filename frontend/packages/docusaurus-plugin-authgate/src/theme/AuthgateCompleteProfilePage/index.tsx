import {useEffect, useRef, useState} from 'react';
import type {FormEvent, ReactNode} from 'react';
import Layout from '@theme/Layout';
import {useHistory} from '@docusaurus/router';
import Card from '@theme/Authgate/Card';
import FormAlert from '@theme/Authgate/FormAlert';
import Placeholder from '@theme/Authgate/Placeholder';
import ProfileFields from '@theme/Authgate/ProfileFields';
import {useNextPath} from '@theme/Authgate/useNextPath';
import {focusFirstError} from '@theme/Authgate/focusFirstError';
import {useAuth, useAuthgateConfig, validateProfile} from 'docusaurus-plugin-authgate/client';
import type {ExperienceLevel, FieldErrors, ProfessionalRole, ProfileFieldValues} from 'docusaurus-plugin-authgate/client';

const IDS = {
  experience_level: 'authgate-complete-experience',
  professional_role: 'authgate-complete-role',
  role_other: 'authgate-complete-role-other',
  organization: 'authgate-complete-organization',
};

const EMPTY: ProfileFieldValues = {experience_level: '', professional_role: '', role_other: '', organization: ''};

/** "Tell us about yourself": a reader who arrived through a provider has no profile yet. */
export function CompleteProfileForm(): ReactNode {
  const {updateProfile} = useAuth();
  const history = useHistory();
  const {next} = useNextPath();
  const [values, setValues] = useState<ProfileFieldValues>(EMPTY);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [alert, setAlert] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const inFlight = useRef(false);

  const set = (name: keyof ProfileFieldValues, value: string) => setValues((v) => ({...v, [name]: value}));

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (inFlight.current) return;
    const found = validateProfile(values);
    setErrors(found);
    setAlert(null);
    if (Object.keys(found).length > 0) {
      focusFirstError(IDS, found);
      return;
    }
    inFlight.current = true;
    setPending(true);
    try {
      const organization = values.organization.trim();
      await updateProfile({
        experience_level: values.experience_level as ExperienceLevel,
        professional_role: values.professional_role as ProfessionalRole,
        role_other: values.professional_role === 'other' ? values.role_other.trim() : null,
        organization: organization || null,
      });
      history.replace(next);
    } catch (err) {
      setAlert(err instanceof Error ? err.message : 'Saving failed. Please try again.');
      setPending(false);
      inFlight.current = false;
    }
  };

  return (
    <Card title="Tell us about yourself" lead="The chapters adapt to your level and role. This takes a moment, once.">
      <FormAlert message={alert} />
      <form noValidate onSubmit={onSubmit} aria-label="Tell us about yourself">
        <ProfileFields idPrefix="authgate-complete" values={values} errors={errors} onChange={set} />
        <button
          type="submit"
          className="button button--primary button--block authgate-form__submit"
          disabled={pending}
          aria-disabled={pending}>
          {pending ? 'Saving…' : 'Continue'}
        </button>
      </form>
    </Card>
  );
}

function CompleteProfileContent(): ReactNode {
  const {status, profile} = useAuth();
  const {paths} = useAuthgateConfig();
  const history = useHistory();
  const {next} = useNextPath();
  // a signed-out visitor signs in first; a reader whose profile is complete has nothing to do here
  const away =
    status === 'signed-out' ? `${paths.login}?next=${encodeURIComponent(next)}` : profile !== null ? next : null;
  useEffect(() => {
    if (status !== 'loading' && away !== null) history.replace(away);
  }, [status, away]);
  if (status === 'loading' || away !== null) return <Placeholder />;
  return <CompleteProfileForm />;
}

export default function AuthgateCompleteProfilePage(): ReactNode {
  return (
    <Layout title="Tell us about yourself" description="Complete your reader profile.">
      <CompleteProfileContent />
    </Layout>
  );
}
