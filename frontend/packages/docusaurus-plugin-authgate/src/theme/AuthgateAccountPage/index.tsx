import {useState} from 'react';
import type {FormEvent, ReactNode} from 'react';
import Layout from '@theme/Layout';
import Link from '@docusaurus/Link';
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
    fallback: 'Saving failed. Please try again.',
    submit: async (v) => {
      const patch: ProfilePatch = {
        experience_level: v.experience_level as ExperienceLevel,
        professional_role: v.professional_role as ProfessionalRole,
        role_other: v.professional_role === 'other' ? v.role_other.trim() : null,
        organization: v.organization.trim() || null,
      };
      const body = await updateProfile(patch);
      form.reset(toValues(body.profile));
      setSaved('Your profile is saved. The chapters now follow it.');
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

  return (
    <form noValidate onSubmit={onSubmit} aria-label="Your profile">
      <h2>Your profile</h2>
      <FormAlert message={alert} />
      <FormAlert message={saved} variant="success" />
      <ProfileFields idPrefix="authgate-account" values={values} errors={errors} onChange={set} />
      <button type="submit" className="button button--primary authgate-form__submit" disabled={pending}>
        {pending ? 'Saving…' : 'Save changes'}
      </button>
    </form>
  );
}

/** Why the reader is signed out, when it happened on this page. */
type Farewell = 'deleted' | 'everywhere' | null;

const FAREWELLS = {
  deleted: {
    title: 'Your account is deleted',
    lead: 'Your account, profile and history are gone, and you are signed out. Thank you for reading.',
  },
  everywhere: {
    title: 'Signed out everywhere',
    lead: 'Every device that was signed in to your account is signed out, this one included.',
  },
} as const;

function AccountContent(): ReactNode {
  const {status, user, signOut} = useAuth();
  const {paths} = useAuthgateConfig();
  // Set before the request goes out, so the page never flashes the generic "signed out" card first.
  const [farewell, setFarewell] = useState<Farewell>(null);
  const home = useBaseUrl('/');
  if (status === 'loading') return <Placeholder />;
  if (status !== 'signed-in' && farewell) {
    return (
      <Card title={FAREWELLS[farewell].title} lead={FAREWELLS[farewell].lead}>
        <div className="authgate-actions">
          {farewell === 'deleted' ? (
            <Link className="button button--primary" to={home}>
              Home
            </Link>
          ) : (
            <Link className="button button--primary" to={`${paths.login}?next=${encodeURIComponent(paths.account)}`}>
              Sign in
            </Link>
          )}
        </div>
      </Card>
    );
  }
  if (status !== 'signed-in' || !user) {
    return (
      <Card title="Your account" lead="You are signed out. Sign in to see and edit your profile.">
        <div className="authgate-actions">
          <Link className="button button--primary" to={`${paths.login}?next=${encodeURIComponent(paths.account)}`}>
            Sign in
          </Link>
          <Link className="button button--secondary button--outline" to={paths.signup}>
            Create an account
          </Link>
        </div>
      </Card>
    );
  }
  return (
    <Card title="Your account" wide>
      <div className="authgate-account__row">
        <div>
          Signed in as <span className="authgate-account__email">{user.email}</span>
        </div>
        <button type="button" className="button button--secondary button--outline button--sm" onClick={() => void signOut()}>
          Sign out
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
    <Layout title="Your account" description="Your reader profile, devices, security and data.">
      <AccountContent />
    </Layout>
  );
}
