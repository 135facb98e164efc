import {useEffect} from 'react';
import type {ReactNode} from 'react';
import Layout from '@theme/Layout';
import {useHistory} from '@docusaurus/router';
import {translate} from '@docusaurus/Translate';
import {savingFailed, savingLabel} from '@theme/Authgate/labels';
import Card from '@theme/Authgate/Card';
import FormAlert from '@theme/Authgate/FormAlert';
import Placeholder from '@theme/Authgate/Placeholder';
import ProfileFields from '@theme/Authgate/ProfileFields';
import {useNextPath} from '@theme/Authgate/useNextPath';
import {useForm} from '@theme/Authgate/useForm';
import {useAuth, useAuthgateConfig, validateProfile} from 'docusaurus-plugin-authgate/client';
import type {ExperienceLevel, ProfessionalRole, ProfileFieldValues} from 'docusaurus-plugin-authgate/client';

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
  const {values, errors, alert, pending, set, onSubmit} = useForm<ProfileFieldValues>({
    initial: EMPTY,
    validate: validateProfile,
    ids: IDS,
    fallback: savingFailed(),
    submit: async (v) => {
      const organization = v.organization.trim();
      await updateProfile({
        experience_level: v.experience_level as ExperienceLevel,
        professional_role: v.professional_role as ProfessionalRole,
        role_other: v.professional_role === 'other' ? v.role_other.trim() : null,
        organization: organization || null,
      });
      history.replace(next);
    },
  });

  const title = completeProfileTitle();
  return (
    <Card
      title={title}
      lead={translate({
        id: 'authgate.completeProfile.lead',
        message: 'The pages adapt to your level and role. This takes a moment, once.',
        description: 'Under the title of the complete-profile page; sites may reword it (plugin option messages)',
      })}>
      <FormAlert message={alert} />
      <form noValidate onSubmit={onSubmit} aria-label={title}>
        <ProfileFields idPrefix="authgate-complete" values={values} errors={errors} onChange={set} />
        <button
          type="submit"
          className="button button--primary button--block authgate-form__submit"
          disabled={pending}
          aria-disabled={pending}>
          {pending
            ? savingLabel()
            : translate({
                id: 'authgate.completeProfile.submit',
                message: 'Continue',
                description: 'The button that saves the profile and goes on reading',
              })}
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

function completeProfileTitle(): string {
  return translate({
    id: 'authgate.completeProfile.title',
    message: 'Tell us about yourself',
    description: 'Title of the complete-profile page (a reader who arrived through a provider)',
  });
}

export default function AuthgateCompleteProfilePage(): ReactNode {
  return (
    <Layout
      title={completeProfileTitle()}
      description={translate({
        id: 'authgate.completeProfile.description',
        message: 'Complete your reader profile.',
        description: 'The meta description of the complete-profile page',
      })}>
      <CompleteProfileContent />
    </Layout>
  );
}
