import {fireEvent, screen} from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import AuthgateNavbarItem from '../src/theme/NavbarItem/AuthgateNavbarItem';
import {createFakeApi} from './fakeApi';
import {renderAt} from './helpers';

const EMAIL = 'ada@example.com';

/** The navbar item of a signed-in reader, with something outside it to click, and its menu button. */
async function renderMenu() {
  const api = createFakeApi();
  api.addUser(EMAIL, 'correct horse battery');
  api.giveCookie(EMAIL);
  const user = userEvent.setup();
  renderAt(
    <>
      <AuthgateNavbarItem />
      <p>outside</p>
      <a href="#after">after the menu</a>
    </>,
    {api, path: '/docs/intro'},
  );
  const button = await screen.findByRole('button', {name: EMAIL});
  const menu = () => document.getElementById(button.getAttribute('aria-controls') ?? '') as HTMLElement;
  return {api, user, button, menu};
}

const item = (name: string) => screen.getByRole('menuitem', {name, hidden: true});

describe('navbar account menu: the WAI-ARIA menu button pattern', () => {
  it('is a button that controls a menu of menuitems', async () => {
    const {button, menu} = await renderMenu();
    expect(button).toHaveAttribute('aria-haspopup', 'menu');
    expect(button).toHaveAttribute('aria-expanded', 'false');
    expect(menu()).toHaveAttribute('role', 'menu');
    expect(menu()).toHaveAttribute('aria-labelledby', button.id);
    const items = screen.getAllByRole('menuitem', {hidden: true});
    expect(items.map((i) => i.textContent)).toEqual(['Account', 'Sign out']);
    // the items are reached with the arrows, not with Tab
    for (const i of items) expect(i).toHaveAttribute('tabindex', '-1');
    for (const li of menu().querySelectorAll('li')) expect(li).toHaveAttribute('role', 'none');
  });

  it.each([
    ['{Enter}', 'Account'],
    [' ', 'Account'],
    ['{ArrowDown}', 'Account'],
    ['{ArrowUp}', 'Sign out'],
  ])('%s on the button opens the menu and focuses %s', async (key, focused) => {
    const {user, button} = await renderMenu();
    button.focus();
    await user.keyboard(key);
    expect(button).toHaveAttribute('aria-expanded', 'true');
    expect(item(focused)).toHaveFocus();
  });

  it('ArrowDown and ArrowUp move and wrap; Home and End go to the ends', async () => {
    const {user, button} = await renderMenu();
    button.focus();
    await user.keyboard('{ArrowDown}');
    expect(item('Account')).toHaveFocus();
    await user.keyboard('{ArrowDown}');
    expect(item('Sign out')).toHaveFocus();
    await user.keyboard('{ArrowDown}');
    expect(item('Account')).toHaveFocus();
    await user.keyboard('{ArrowUp}');
    expect(item('Sign out')).toHaveFocus();
    await user.keyboard('{Home}');
    expect(item('Account')).toHaveFocus();
    await user.keyboard('{End}');
    expect(item('Sign out')).toHaveFocus();
  });

  it('Escape closes the menu and gives the focus back to the button', async () => {
    const {user, button} = await renderMenu();
    button.focus();
    await user.keyboard('{Enter}{ArrowDown}{Escape}');
    expect(button).toHaveAttribute('aria-expanded', 'false');
    expect(button).toHaveFocus();
  });

  it('Tab closes the menu and the focus moves on', async () => {
    const {user, button} = await renderMenu();
    button.focus();
    await user.keyboard('{Enter}');
    await user.tab();
    expect(button).toHaveAttribute('aria-expanded', 'false');
    expect(screen.getByRole('link', {name: 'after the menu'})).toHaveFocus();
  });

  it('a click opens it on the first item, a click outside closes it', async () => {
    const {user, button} = await renderMenu();
    await user.click(button);
    expect(button).toHaveAttribute('aria-expanded', 'true');
    expect(item('Account')).toHaveFocus();
    await user.click(screen.getByText('outside'));
    expect(button).toHaveAttribute('aria-expanded', 'false');
    // a tap outside closes it too
    await user.click(button);
    fireEvent.touchStart(screen.getByText('outside'));
    expect(button).toHaveAttribute('aria-expanded', 'false');
  });

  it('Enter on "Account" follows the link; Space on "Sign out" signs out', async () => {
    const {api, user, button} = await renderMenu();
    button.focus();
    await user.keyboard('{Enter}{Enter}');
    expect(screen.getByTestId('location')).toHaveTextContent('/auth/account');
    expect(button).toHaveAttribute('aria-expanded', 'false');

    button.focus();
    await user.keyboard('{ArrowUp} ');
    expect(await screen.findByRole('link', {name: 'Sign in'})).toBeVisible();
    expect(api.callsTo('/auth/logout')).toHaveLength(1);
  });
});
