import {useEffect, useId, useRef, useState} from 'react';
import type {KeyboardEvent as ReactKeyboardEvent, ReactNode} from 'react';
import Link from '@docusaurus/Link';
import {useLocation} from '@docusaurus/router';
import {translate} from '@docusaurus/Translate';
import {signInLabel as defaultSignInLabel, signOutLabel} from '@theme/Authgate/labels';
import {useAuth, useAuthgateConfig} from 'docusaurus-plugin-authgate/client';

export interface Props {
  /** Set by the navbar when rendering inside the mobile sidebar. */
  mobile?: boolean;
  className?: string;
  /** Text of the link shown to signed-out readers (default "Sign in"). */
  signInLabel?: string;
  position?: 'left' | 'right';
}

function useLoginHref(): string {
  const {paths} = useAuthgateConfig();
  const location = useLocation();
  const here = `${location.pathname}${location.search}${location.hash}`;
  const onAuthPage = location.pathname === paths.login || location.pathname === paths.signup;
  return onAuthPage ? location.pathname + location.search : `${paths.login}?next=${encodeURIComponent(here)}`;
}

function accountLabel(): string {
  return translate({
    id: 'authgate.navbar.account',
    message: 'Account',
    description: 'Navbar menu item that opens the account page',
  });
}

function classes(...names: (string | false | undefined)[]): string {
  return names.filter(Boolean).join(' ');
}

/**
 * "Sign in" for signed-out readers; the reader's email with a menu (Account, Sign out) for
 * signed-in ones; an invisible placeholder of the same size while the session is being checked.
 */
/** Which menu item gets the focus once the menu is open: the first, the last, or none (it stays put). */
type FocusTarget = 'first' | 'last' | null;

/** The keys that open the menu from its button, and where they put the focus. */
const OPEN_KEYS: Partial<Record<string, FocusTarget>> = {Enter: 'first', ' ': 'first', ArrowDown: 'first', ArrowUp: 'last'};

function menuItems(menu: HTMLElement | null): HTMLElement[] {
  return menu ? Array.from(menu.querySelectorAll<HTMLElement>('[role="menuitem"]')) : [];
}

/**
 * The reader's email opening a menu (Account, Sign out), as the WAI-ARIA APG "menu button" pattern has it:
 * Enter, Space or ArrowDown open it on the first item and ArrowUp on the last; ArrowDown/ArrowUp (wrapping),
 * Home and End move; Escape closes and gives the focus back to the button; Tab closes and moves on; a click or
 * a tap outside closes it.
 */
function AccountMenu({email, className, onSignOut}: {email: string; className?: string; onSignOut: () => void}): ReactNode {
  const {paths} = useAuthgateConfig();
  const [open, setOpen] = useState(false);
  const [focusTarget, setFocusTarget] = useState<FocusTarget>(null);
  const rootRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuRef = useRef<HTMLUListElement>(null);
  const menuId = useId();
  const buttonId = useId();

  const openMenu = (target: FocusTarget) => {
    setOpen(true);
    setFocusTarget(target);
  };
  const closeMenu = (refocus: boolean) => {
    setOpen(false);
    setFocusTarget(null);
    if (refocus) buttonRef.current?.focus();
  };

  // the items can take the focus only once the menu is shown (Infima hides a closed dropdown)
  useEffect(() => {
    if (!open || !focusTarget) return;
    const items = menuItems(menuRef.current);
    (focusTarget === 'first' ? items[0] : items.at(-1))?.focus();
    setFocusTarget(null);
  }, [open, focusTarget]);

  useEffect(() => {
    if (!open) return undefined;
    const onPointer = (event: MouseEvent | TouchEvent) => {
      if (rootRef.current && !rootRef.current.contains(event.target as Node)) closeMenu(false);
    };
    document.addEventListener('mousedown', onPointer);
    document.addEventListener('touchstart', onPointer);
    return () => {
      document.removeEventListener('mousedown', onPointer);
      document.removeEventListener('touchstart', onPointer);
    };
  }, [open]);

  const onButtonKeyDown = (event: ReactKeyboardEvent<HTMLButtonElement>) => {
    const target = OPEN_KEYS[event.key];
    if (target) {
      // no click follows: Enter and Space would toggle the menu shut again
      event.preventDefault();
      openMenu(target);
    } else if (event.key === 'Escape' && open) {
      event.preventDefault();
      closeMenu(true);
    }
  };

  const onMenuKeyDown = (event: ReactKeyboardEvent<HTMLUListElement>) => {
    const items = menuItems(menuRef.current);
    const at = items.indexOf(document.activeElement as HTMLElement);
    const moveTo = (index: number) => items[(index + items.length) % items.length]?.focus();
    switch (event.key) {
      case 'ArrowDown':
        moveTo(at + 1);
        break;
      case 'ArrowUp':
        moveTo(at < 0 ? -1 : at - 1);
        break;
      case 'Home':
        moveTo(0);
        break;
      case 'End':
        moveTo(-1);
        break;
      case 'Escape':
        closeMenu(true);
        break;
      case 'Tab':
        // the focus moves on as usual; the menu does not stay open behind it
        closeMenu(false);
        return;
      case ' ':
        // a link activates on Enter by itself; Space activates every item, as on a button
        items[at]?.click();
        break;
      default:
        return;
    }
    event.preventDefault();
  };

  return (
    <div
      ref={rootRef}
      className={classes('navbar__item dropdown dropdown--right authgate-navbar', open && 'dropdown--show', className)}
      onBlur={(event) => {
        if (open && rootRef.current && !rootRef.current.contains(event.relatedTarget as Node | null)) closeMenu(false);
      }}>
      <button
        ref={buttonRef}
        id={buttonId}
        type="button"
        className="navbar__link authgate-navbar__toggle"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={menuId}
        title={email}
        onKeyDown={onButtonKeyDown}
        onClick={() => (open ? closeMenu(false) : openMenu('first'))}>
        <span className="authgate-navbar__email">{email}</span>
      </button>
      <ul
        ref={menuRef}
        id={menuId}
        role="menu"
        aria-labelledby={buttonId}
        className="dropdown__menu authgate-navbar__menu"
        onKeyDown={onMenuKeyDown}>
        <li role="none">
          <Link
            role="menuitem"
            tabIndex={-1}
            className="dropdown__link"
            to={paths.account}
            onClick={() => closeMenu(false)}>
            {accountLabel()}
          </Link>
        </li>
        <li role="none">
          <button
            type="button"
            role="menuitem"
            tabIndex={-1}
            className="dropdown__link authgate-navbar__menu-button"
            onClick={() => {
              closeMenu(false);
              onSignOut();
            }}>
            {signOutLabel()}
          </button>
        </li>
      </ul>
    </div>
  );
}

/**
 * "Sign in" for signed-out readers; the reader's email with a menu (Account, Sign out) for
 * signed-in ones; an invisible placeholder of the same size while the session is being checked.
 */
export default function AuthgateNavbarItem({mobile = false, className, signInLabel: label}: Props): ReactNode {
  const signInLabel = label ?? defaultSignInLabel();
  const {status, user, signOut} = useAuth();
  const {paths} = useAuthgateConfig();
  const loginHref = useLoginHref();

  if (status === 'loading') {
    return mobile ? null : (
      <span className={classes('navbar__item authgate-navbar__placeholder', className)} aria-hidden="true">
        {signInLabel}
      </span>
    );
  }

  if (status === 'signed-out' || !user) {
    return mobile ? (
      <li className="menu__list-item">
        <Link className="menu__link" to={loginHref}>
          {signInLabel}
        </Link>
      </li>
    ) : (
      <Link className={classes('navbar__item navbar__link', className)} to={loginHref}>
        {signInLabel}
      </Link>
    );
  }

  if (mobile) {
    return (
      <>
        <li className="menu__list-item">
          <span className="menu__link authgate-navbar__mobile-email" title={user.email}>
            {user.email}
          </span>
        </li>
        <li className="menu__list-item">
          <Link className="menu__link" to={paths.account}>
            {accountLabel()}
          </Link>
        </li>
        <li className="menu__list-item">
          <button type="button" className="menu__link authgate-navbar__menu-button" onClick={() => void signOut()}>
            {signOutLabel()}
          </button>
        </li>
      </>
    );
  }

  return <AccountMenu email={user.email} className={className} onSignOut={() => void signOut()} />;
}
