import {useState} from 'react';
import {act, render, screen, waitFor} from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import AuthgateLoginPage from '../src/theme/AuthgateLoginPage';
import AuthgateForgotPasswordPage from '../src/theme/AuthgateForgotPasswordPage';
import {focusAlert, useFocusReturn} from '../src/theme/Authgate/focusFirstError';
import {useForm} from '../src/theme/Authgate/useForm';
import {createFakeApi} from './fakeApi';
import {renderAt} from './helpers';

const PASSWORD = 'correct horse battery';

describe('focus after a failed submit (WCAG 2.4.3: never lost to the page body)', () => {
  it('a wrong password: the alert takes the focus', async () => {
    const api = createFakeApi();
    api.addUser('ada@example.com', PASSWORD);
    const user = userEvent.setup();
    renderAt(<AuthgateLoginPage />, {api, path: '/auth/login'});

    await user.type(await screen.findByLabelText('Email'), 'ada@example.com');
    await user.type(screen.getByLabelText('Password'), 'not the password');
    await user.click(screen.getByRole('button', {name: 'Sign In'}));

    const alert = await screen.findByRole('alert');
    await waitFor(() => expect(alert).toHaveFocus());
    expect(alert).toHaveAttribute('tabindex', '-1');
    expect(document.activeElement).not.toBe(document.body);
  });

  it('a second failure focuses the alert again', async () => {
    const api = createFakeApi();
    api.addUser('ada@example.com', PASSWORD);
    const user = userEvent.setup();
    renderAt(<AuthgateLoginPage />, {api, path: '/auth/login'});

    await user.type(await screen.findByLabelText('Email'), 'ada@example.com');
    await user.type(screen.getByLabelText('Password'), 'not the password');
    await user.click(screen.getByRole('button', {name: 'Sign In'}));
    await waitFor(() => expect(screen.getByRole('alert')).toHaveFocus());
    await user.click(screen.getByLabelText('Password'));
    await user.keyboard('{Enter}');
    await waitFor(() => expect(api.callsTo('/auth/login')).toHaveLength(2));
    await waitFor(() => expect(screen.getByRole('alert')).toHaveFocus());
  });

  it('a field the client refuses: the first invalid field takes the focus, not the alert', async () => {
    const api = createFakeApi();
    const user = userEvent.setup();
    renderAt(<AuthgateForgotPasswordPage />, {api, path: '/auth/forgot-password'});

    await user.type(await screen.findByLabelText('Email'), 'not-an-email');
    await user.click(screen.getByRole('button', {name: 'Send reset link'}));

    expect(screen.getByLabelText('Email')).toHaveFocus();
    expect(screen.getByLabelText('Email')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('with no alert to show, the focus goes back to the button that sent the form', async () => {
    function Bare() {
      // a form that renders no alert for the error: focusAlert falls back to the submitter
      const form = useForm({initial: {}, validate: () => ({}), ids: {}, submit: () => Promise.reject(new Error('no'))});
      return (
        <form onSubmit={form.onSubmit}>
          <button type="submit" disabled={form.pending}>
            Send
          </button>
        </form>
      );
    }
    const user = userEvent.setup();
    render(<Bare />);
    await user.click(screen.getByRole('button', {name: 'Send'}));
    await waitFor(() => expect(screen.getByRole('button', {name: 'Send'})).toHaveFocus());
  });

  it('focusAlert picks the alert nearest the form, not one of another form', () => {
    render(
      <main className="authgate-card">
        <div role="alert" tabIndex={-1} data-testid="far">
          another form's alert
        </div>
        <section>
          <div role="alert" tabIndex={-1} data-testid="near">
            this form's alert
          </div>
          <form data-testid="form" />
        </section>
      </main>,
    );
    focusAlert(screen.getByTestId('form') as HTMLFormElement, null);
    expect(screen.getByTestId('near')).toHaveFocus();
  });

  it('a button disabled while its action runs gets the focus back after (a browser drops it to the body)', async () => {
    let finish!: () => void;
    function Action() {
      const [pending, setPending] = useState(false);
      const ref = useFocusReturn(pending);
      const run = async () => {
        setPending(true);
        await new Promise<void>((r) => (finish = r));
        setPending(false);
      };
      return (
        <button ref={ref} type="button" disabled={pending} onClick={() => void run()}>
          Resend
        </button>
      );
    }
    const user = userEvent.setup();
    render(<Action />);
    const button = screen.getByRole('button', {name: 'Resend'});
    await user.click(button);
    expect(button).toBeDisabled();
    // what Chromium does to a focused button that becomes disabled, jsdom does not: the focus goes to the body
    const probe = document.body.appendChild(document.createElement('input'));
    probe.focus();
    probe.remove();
    expect(document.activeElement).toBe(document.body);
    await act(async () => finish());
    expect(button).toHaveFocus();
  });

  it('the focus the reader moved elsewhere meanwhile stays there', async () => {
    let finish!: () => void;
    function Action() {
      const [pending, setPending] = useState(false);
      const ref = useFocusReturn(pending);
      const run = async () => {
        setPending(true);
        await new Promise<void>((r) => (finish = r));
        setPending(false);
      };
      return (
        <>
          <button ref={ref} type="button" disabled={pending} onClick={() => void run()}>
            Resend
          </button>
          <input aria-label="elsewhere" />
        </>
      );
    }
    const user = userEvent.setup();
    render(<Action />);
    await user.click(screen.getByRole('button', {name: 'Resend'}));
    await user.click(screen.getByLabelText('elsewhere'));
    await act(async () => finish());
    expect(screen.getByLabelText('elsewhere')).toHaveFocus();
  });
});
