import {screen, waitFor} from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import AuthgateLoginPage from '../src/theme/AuthgateLoginPage';
import AuthgateSignupPage from '../src/theme/AuthgateSignupPage';
import {formatDateTime, selectPlural} from '../src/theme/Authgate/format';
import {createFakeApi} from './fakeApi';
import {renderAt} from './helpers';
import {withTranslations} from './i18n';

const PASSWORD = 'correct horse battery';

describe('the kit in another language', () => {
  it('renders the sign-in page, its form errors and an API error in the translations it is given', async () => {
    withTranslations({
      'authgate.login.title': 'سائن اِن',
      'authgate.field.email': 'ای میل',
      'authgate.field.password': 'پاس ورڈ',
      'authgate.login.submit': 'سائن اِن کریں',
      'authgate.login.newHere': 'یہاں نئے ہیں؟ {link}',
      'authgate.login.createAccountLink': 'اکاؤنٹ بنائیں',
      'authgate.validation.emailRequired': 'اپنا ای میل پتہ درج کریں۔',
      'authgate.validation.passwordRequired': 'اپنا پاس ورڈ درج کریں۔',
      'authgate.error.INVALID_CREDENTIALS': 'ای میل یا پاس ورڈ غلط ہے۔',
    });
    const api = createFakeApi();
    api.addUser('ada@example.com', PASSWORD);
    const user = userEvent.setup();
    renderAt(<AuthgateLoginPage />, {api, path: '/auth/login'});

    expect(await screen.findByRole('heading', {name: 'سائن اِن'})).toBeVisible();
    expect(screen.queryByText('Sign in')).toBeNull();
    // an interpolated element keeps its place in the translated sentence
    expect(screen.getByRole('link', {name: 'اکاؤنٹ بنائیں'}).parentElement).toHaveTextContent('یہاں نئے ہیں؟ اکاؤنٹ بنائیں');

    await user.click(screen.getByRole('button', {name: 'سائن اِن کریں'}));
    expect(await screen.findByText('اپنا ای میل پتہ درج کریں۔')).toBeVisible();
    expect(screen.getByText('اپنا پاس ورڈ درج کریں۔')).toBeVisible();

    // the API answers in English; the kit says the code's translation instead
    await user.type(screen.getByLabelText('ای میل'), 'ada@example.com');
    await user.type(screen.getByLabelText('پاس ورڈ'), 'not the password');
    await user.click(screen.getByRole('button', {name: 'سائن اِن کریں'}));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('ای میل یا پاس ورڈ غلط ہے۔');
    expect(alert).not.toHaveTextContent('Invalid email or password');
  });

  it("keeps the server's detail for a code the site has not translated", async () => {
    withTranslations({});
    const api = createFakeApi();
    api.addUser('ada@example.com', PASSWORD);
    const user = userEvent.setup();
    renderAt(<AuthgateLoginPage />, {api, path: '/auth/login'});
    await user.type(await screen.findByLabelText('Email'), 'ada@example.com');
    await user.type(screen.getByLabelText('Password'), 'not the password');
    await user.click(screen.getByRole('button', {name: 'Sign In'}));
    expect(await screen.findByRole('alert')).toHaveTextContent('Invalid email or password');
  });

  it('fills numbers into the translated password hint and words the profile choices as translated', async () => {
    withTranslations({
      'authgate.field.newPasswordHint': '{min} سے {max} حروف۔',
      'authgate.profile.experience.beginner': 'ابتدائی',
      'authgate.profile.role.student': 'طالب علم',
    });
    renderAt(<AuthgateSignupPage />, {api: createFakeApi(), path: '/auth/signup'});
    expect(await screen.findByText('8 سے 128 حروف۔')).toBeVisible();
    expect(screen.getByRole('option', {name: 'ابتدائی'})).toBeInTheDocument();
    expect(screen.getByRole('option', {name: 'طالب علم'})).toBeInTheDocument();
  });

  it('signs up with the translated form and goes on', async () => {
    withTranslations({'authgate.signup.submit': 'اکاؤنٹ بنائیں', 'authgate.field.email': 'ای میل', 'authgate.field.password': 'پاس ورڈ'});
    const api = createFakeApi();
    const user = userEvent.setup();
    renderAt(<AuthgateSignupPage />, {api, path: '/auth/signup?next=%2Fur%2Fdocs%2Fintro'});
    await user.type(await screen.findByLabelText('ای میل'), 'urdu@example.com');
    await user.type(screen.getByLabelText('پاس ورڈ'), PASSWORD);
    await user.selectOptions(screen.getByLabelText('Experience level'), 'beginner');
    await user.selectOptions(screen.getByLabelText('Role'), 'student');
    await user.click(screen.getByRole('button', {name: 'اکاؤنٹ بنائیں'}));
    await waitFor(() => expect(screen.getByTestId('location')).toHaveTextContent('/ur/docs/intro'));
  });
});

describe('locale-aware formatting', () => {
  it("picks the plural form by the locale's rules", () => {
    const message = 'One code left.|{count} codes left.';
    expect(selectPlural(message, 1, 'en')).toBe('One code left.');
    expect(selectPlural(message, 7, 'en')).toBe('{count} codes left.');
    expect(selectPlural(message, 0, 'en')).toBe('{count} codes left.');
    expect(selectPlural('Only one form', 3, 'ur')).toBe('Only one form');
  });

  it('formats dates in the given locale, not the browser one', () => {
    const iso = '2026-03-05T14:30:00Z';
    const expected = new Intl.DateTimeFormat('ur', {dateStyle: 'medium', timeStyle: 'short'}).format(new Date(iso));
    expect(formatDateTime(iso, 'ur')).toBe(expected);
    expect(formatDateTime(iso, 'ur')).not.toBe(formatDateTime(iso, 'en'));
    expect(formatDateTime(null, 'ur')).toBe('—');
  });
});
