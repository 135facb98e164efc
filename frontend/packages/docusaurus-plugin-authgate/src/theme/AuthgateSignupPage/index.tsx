import {useState} from 'react';
import type {ReactNode} from 'react';
import Layout from '@theme/Layout';
import Link from '@docusaurus/Link';
import Translate, {translate} from '@docusaurus/Translate';
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
import {emailLabel, passwordHint, passwordLabel, signInLabel} from '@theme/Authgate/labels';
import {useLocale} from '@theme/Authgate/format';
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
  const locale = useLocale();
  const title = signupTitle();
  const {values, errors, alert, pending, set, onSubmit} = useForm<SignUpFieldValues>({
    initial: EMPTY,
    validate: validateSignUp,
    ids: IDS,
    fallback: translate({
      id: 'authgate.signup.failed',
      message: 'Sign-up failed. Please try again.',
      description: 'Alert when signing up failed without a message from the API',
    }),
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
      title={title}
      lead={translate({
        id: 'authgate.signup.lead',
        message: 'Tell us a little about yourself and the pages adapt to your level and role.',
        description: 'Under the title of the sign-up page; sites usually reword it (plugin option messages)',
      })}
      footer={
        <Translate
          id="authgate.signup.haveAccount"
          description="Under the sign-up form; {link} is the link 'Sign in'"
          values={{link: <Link to={withNext(paths.login, raw)}>{signInLabel()}</Link>}}>
          {'Already have an account? {link}'}
        </Translate>
      }>
      <FormAlert message={alert} />
      <ProviderButtons next={next} />
      <form noValidate onSubmit={onSubmit} aria-label={title}>
        <Field id={IDS.email} label={emailLabel()} error={errors.email}>
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
          label={passwordLabel()}
          error={errors.password}
          hint={passwordHint(PASSWORD_MIN, PASSWORD_MAX, locale)}>
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
          {pending
            ? translate({
                id: 'authgate.signup.submitPending',
                message: 'Creating account…',
                description: 'The sign-up button while the account is being created',
              })
            : translate({id: 'authgate.signup.submit', message: 'Create account', description: 'The sign-up button'})}
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

function signupTitle(): string {
  return translate({id: 'authgate.signup.title', message: 'Create your account', description: 'Title of the sign-up page'});
}

export default function AuthgateSignupPage(): ReactNode {
  return (
    <Layout
      title={signupTitle()}
      description={translate({
        id: 'authgate.signup.description',
        message: 'Create an account to read this site at your level.',
        description: 'The meta description of the sign-up page',
      })}>
      <SignupContent />
    </Layout>
  );
}
