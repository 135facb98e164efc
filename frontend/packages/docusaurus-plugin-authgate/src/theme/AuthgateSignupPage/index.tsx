import {useState} from 'react';
import type {ReactNode} from 'react';
import Layout from '@theme/Layout';
import Link from '@docusaurus/Link';
import {useHistory} from '@docusaurus/router';
import Card from '@theme/Authgate/Card';
import Field from '@theme/Authgate/Field';
import FormAlert from '@theme/Authgate/FormAlert';
import Placeholder from '@theme/Authgate/Placeholder';
import ProfileFields from '@theme/Authgate/ProfileFields';
import ProviderButtons from '@theme/Authgate/ProviderButtons';
import AlreadySignedIn from '@theme/Authgate/AlreadySignedIn';
import {useNextPath, withNext} from '@theme/Authgate/useNextPath';
import {useForm} from '@theme/Authgate/useForm';
import {PASSWORD_MAX, PASSWORD_MIN, useAuth, useAuthgateConfig, validateSignUp} from 'docusaurus-plugin-authgate/client';
import type {ExperienceLevel, ProfessionalRole, SignUpFieldValues} from 'docusaurus-plugin-authgate/client';

const IDS = {
  email: 'authgate-signup-email',
  password: 'authgate-signup-password',
  experience_level: 'authgate-signup-experience',
  professional_role: 'authgate-signup-role',
  role_other: 'authgate-signup-role-other',
  organization: 'authgate-signup-organization',
};

const EMPTY: SignUpFieldValues = {
  email: '',
  password: '',
  experience_level: '',
  professional_role: '',
  role_other: '',
  organization: '',
};

export function SignupForm(): ReactNode {
  const {signUp} = useAuth();
  const {paths} = useAuthgateConfig();
  const history = useHistory();
  const {next, raw} = useNextPath();
  const {values, errors, alert, pending, set, onSubmit} = useForm<SignUpFieldValues>({
    initial: EMPTY,
    validate: validateSignUp,
    ids: IDS,
    fallback: 'Sign-up failed. Please try again.',
    submit: async (v) => {
      const organization = v.organization.trim();
      await signUp({
        email: v.email.trim(),
        password: v.password,
        experience_level: v.experience_level as ExperienceLevel,
        professional_role: v.professional_role as ProfessionalRole,
        role_other: v.professional_role === 'other' ? v.role_other.trim() : null,
        organization: organization || null,
      });
      history.push(next);
    },
  });

  return (
    <Card
      title="Create your account"
      lead="Tell us a little about yourself and the chapters adapt to your level and role."
      footer={
        <>
          Already have an account? <Link to={withNext(paths.login, raw)}>Sign in</Link>
        </>
      }>
      <FormAlert message={alert} />
      <ProviderButtons next={next} />
      <form noValidate onSubmit={onSubmit} aria-label="Create your account">
        <Field id={IDS.email} label="Email" error={errors.email}>
          {(control) => (
            <input
              {...control}
              type="email"
              name="email"
              autoComplete="email"
              inputMode="email"
              autoCapitalize="none"
              spellCheck={false}
              required
              value={values.email}
              onChange={(e) => set('email', e.target.value)}
            />
          )}
        </Field>
        <Field
          id={IDS.password}
          label="Password"
          error={errors.password}
          hint={`${PASSWORD_MIN} to ${PASSWORD_MAX} characters. A passphrase of a few words works well.`}>
          {(control) => (
            <input
              {...control}
              type="password"
              name="password"
              autoComplete="new-password"
              required
              minLength={PASSWORD_MIN}
              maxLength={PASSWORD_MAX * 2}
              value={values.password}
              onChange={(e) => set('password', e.target.value)}
            />
          )}
        </Field>
        <ProfileFields idPrefix="authgate-signup" values={values} errors={errors} onChange={set} />
        <button
          type="submit"
          className="button button--primary button--block authgate-form__submit"
          disabled={pending}
          aria-disabled={pending}>
          {pending ? 'Creating account…' : 'Create account'}
        </button>
      </form>
    </Card>
  );
}

function SignupContent(): ReactNode {
  const {status} = useAuth();
  const {next} = useNextPath();
  const [sawSignedOut, setSawSignedOut] = useState(false);
  if (status === 'signed-out' && !sawSignedOut) setSawSignedOut(true);
  if (status === 'loading') return <Placeholder />;
  if (status === 'signed-in' && !sawSignedOut) return <AlreadySignedIn next={next} />;
  return <SignupForm />;
}

export default function AuthgateSignupPage(): ReactNode {
  return (
    <Layout title="Create an account" description="Create an account to read this site at your level.">
      <SignupContent />
    </Layout>
  );
}
