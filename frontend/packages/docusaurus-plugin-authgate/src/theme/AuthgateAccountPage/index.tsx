import {useState} from 'react';
import type {FormEvent, ReactNode} from 'react';
import Layout from '@theme/Layout';
import Link from '@docusaurus/Link';
import Translate, {translate} from '@docusaurus/Translate';
import useBaseUrl from '@docusaurus/useBaseUrl';
import Card from '@theme/Authgate/Card';
import FormAlert from '@theme/Authgate/FormAlert';
import Placeholder from '@theme/Authgate/Placeholder';
import ProfileFields from '@theme/Authgate/ProfileFields';
import ChangeEmailSection from '@theme/Authgate/ChangeEmailSection';
import ChangePasswordSection from '@theme/Authgate/ChangePasswordSection';
import SessionsSection from '@theme/Authgate/SessionsSection';
import ConnectedAccountsSection from '@theme/Authgate/ConnectedAccountsSection';
import SignInSecuritySection from '@theme/Authgate/SignInSecuritySection';
import EventsSection from '@theme/Authgate/EventsSection';
import ExportSection from '@theme/Authgate/ExportSection';
import DeleteAccountSection from '@theme/Authgate/DeleteAccountSection';
import {useForm} from '@theme/Authgate/useForm';
import {createAccountLabel, savingFailed, savingLabel, signInLabel, signOutLabel} from '@theme/Authgate/labels';
import {useAuth, useAuthgateConfig, validateProfile} from 'docusaurus-plugin-authgate/client';
import type {
  ProfileFieldValues,
  ProfilePatch,
  UserProfile,
  ExperienceLevel,
  ProfessionalRole,
} from 'docusaurus-plugin-authgate/client';

const IDS = {
  experience_level: 'authgate-account-experience',
  professional_role: 'authgate-account-role',
  role_other: 'authgate-account-role-other',
  organization: 'authgate-account-organization',
};

function toValues(profile: UserProfile | null): ProfileFieldValues {
  return {
    experience_level: profile?.experience_level ?? '',
    professional_role: profile?.professional_role ?? '',
    role_other: profile?.role_other ?? '',
    organization: profile?.organization ?? '',
  };
}

export function ProfileForm(): ReactNode {
  const {profile, updateProfile} = useAuth();
  const [saved, setSaved] = useState<string | null>(null);
  const form = useForm<ProfileFieldValues>({
    initial: toValues(profile),
    validate: validateProfile,
    ids: IDS,
    fallback: savingFailed(),
    submit: async (v) => {
      const patch: ProfilePatch = {
        experience_level: v.experience_level as ExperienceLevel,
        professional_role: v.professional_role as ProfessionalRole,
        role_other: v.professional_role === 'other' ? v.role_other.trim() : null,
        organization: v.organization.trim() || null,
      };
      const body = await updateProfile(patch);
      form.reset(toValues(body.profile));
      setSaved(
        translate({
          id: 'authgate.account.profileSaved',
          message: 'Your profile is saved. The pages now follow it.',
          description: 'Confirmation after saving the profile on the account page',
        }),
      );
    },
  });
  const {values, errors, alert, pending} = form;

  // an edit or a new attempt takes down the last confirmation
  const set = (name: keyof ProfileFieldValues, value: string) => {
    form.set(name, value);
    setSaved(null);
  };
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    setSaved(null);
    return form.onSubmit(event);
  };

  const heading = translate({
    id: 'authgate.account.profileTitle',
    message: 'Your profile',
    description: 'Heading of the profile form on the account page',
  });
  return (
    <form noValidate onSubmit={onSubmit} aria-label={heading}>
      <h2>{heading}</h2>
      <FormAlert message={alert} />
      <FormAlert message={saved} variant="success" />
      <ProfileFields idPrefix="authgate-account" values={values} errors={errors} onChange={set} />
      <button type="submit" className="button button--primary authgate-form__submit" disabled={pending}>
        {pending
          ? savingLabel()
          : translate({id: 'authgate.account.save', message: 'Save changes', description: 'Button that saves the profile'})}
      </button>
    </form>
  );
}

/** Why the reader is signed out, when it happened on this page. */
type Farewell = 'deleted' | 'everywhere' | null;

function farewells() {
  return {
    deleted: {
      title: translate({
        id: 'authgate.account.deleted.title',
        message: 'Your account is deleted',
        description: 'Title shown after the reader deleted their account',
      }),
      lead: translate({
        id: 'authgate.account.deleted.lead',
        message: 'Your account, profile and history are gone, and you are signed out. Thank you for reading.',
        description: 'Text shown after the reader deleted their account',
      }),
    },
    everywhere: {
      title: translate({
        id: 'authgate.account.everywhere.title',
        message: 'Signed out everywhere',
        description: 'Title shown after the reader signed out on every device',
      }),
      lead: translate({
        id: 'authgate.account.everywhere.lead',
        message: 'Every device that was signed in to your account is signed out, this one included.',
        description: 'Text shown after the reader signed out on every device',
      }),
    },
  };
}

function accountTitle(): string {
  return translate({id: 'authgate.account.title', message: 'Your account', description: 'Title of the account page'});
}

function AccountContent(): ReactNode {
  const {status, user, signOut} = useAuth();
  const {paths} = useAuthgateConfig();
  // Set before the request goes out, so the page never flashes the generic "signed out" card first.
  const [farewell, setFarewell] = useState<Farewell>(null);
  const home = useBaseUrl('/');
  if (status === 'loading') return <Placeholder />;
  if (status !== 'signed-in' && farewell) {
    const words = farewells()[farewell];
    return (
      <Card title={words.title} lead={words.lead}>
        <div className="authgate-actions">
          {farewell === 'deleted' ? (
            <Link className="button button--primary" to={home}>
              <Translate id="authgate.account.home" description="Button to the site's home page after deleting the account">
                Home
              </Translate>
            </Link>
          ) : (
            <Link className="button button--primary" to={`${paths.login}?next=${encodeURIComponent(paths.account)}`}>
              {signInLabel()}
            </Link>
          )}
        </div>
      </Card>
    );
  }
  if (status !== 'signed-in' || !user) {
    return (
      <Card
        title={accountTitle()}
        lead={translate({
          id: 'authgate.account.signedOutLead',
          message: 'You are signed out. Sign in to see and edit your profile.',
          description: 'The account page for a signed-out visitor',
        })}>
        <div className="authgate-actions">
          <Link className="button button--primary" to={`${paths.login}?next=${encodeURIComponent(paths.account)}`}>
            {signInLabel()}
          </Link>
          <Link className="button button--secondary button--outline" to={paths.signup}>
            {createAccountLabel()}
          </Link>
        </div>
      </Card>
    );
  }
  return (
    <Card title={accountTitle()} wide>
      <div className="authgate-account__row">
        <div>
          <Translate
            id="authgate.account.signedInAs"
            description="At the top of the account page; {email} is the reader's address"
            values={{email: <span className="authgate-account__email">{user.email}</span>}}>
            {'Signed in as {email}'}
          </Translate>
        </div>
        <button type="button" className="button button--secondary button--outline button--sm" onClick={() => void signOut()}>
          {signOutLabel()}
        </button>
      </div>
      <ProfileForm key={user.id} />
      <div className="authgate-sections" key={`sections-${user.id}`}>
        <ChangeEmailSection />
        <ChangePasswordSection />
        <SignInSecuritySection />
        <ConnectedAccountsSection />
        <SessionsSection onSignOutEverywhere={(starting) => setFarewell(starting ? 'everywhere' : null)} />
        <EventsSection />
        <ExportSection />
        <DeleteAccountSection onDeleting={(starting) => setFarewell(starting ? 'deleted' : null)} />
      </div>
    </Card>
  );
}

export default function AuthgateAccountPage(): ReactNode {
  return (
    <Layout
      title={accountTitle()}
      description={translate({
        id: 'authgate.account.description',
        message: 'Your reader profile, devices, security and data.',
        description: 'The meta description of the account page',
      })}>
      <AccountContent />
    </Layout>
  );
}
