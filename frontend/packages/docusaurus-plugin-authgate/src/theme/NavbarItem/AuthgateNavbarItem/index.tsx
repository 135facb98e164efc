import {useEffect, useId, useRef, useState} from 'react';
import type {ReactNode} from 'react';
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

function classes(...names: (string | false | undefined)[]): string {
  return names.filter(Boolean).join(' ');
}

/**
 * "Sign in" for signed-out readers; the reader's email with a menu (Account, Sign out) for
 * signed-in ones; an invisible placeholder of the same size while the session is being checked.
 */
export default function AuthgateNavbarItem({mobile = false, className, signInLabel: label}: Props): ReactNode {
  const signInLabel = label ?? defaultSignInLabel();
  const accountLabel = translate({
    id: 'authgate.navbar.account',
    message: 'Account',
    description: 'Navbar menu item that opens the account page',
  });
  const {status, user, signOut} = useAuth();
  const {paths} = useAuthgateConfig();
  const loginHref = useLoginHref();
  const [open, setOpen] = useState(false);
  const rootRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuId = useId();

  useEffect(() => {
    if (!open) return undefined;
    const onPointer = (event: MouseEvent | TouchEvent) => {
      if (rootRef.current && !rootRef.current.contains(event.target as Node)) setOpen(false);
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        setOpen(false);
        buttonRef.current?.focus();
      }
    };
    document.addEventListener('mousedown', onPointer);
    document.addEventListener('touchstart', onPointer);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onPointer);
      document.removeEventListener('touchstart', onPointer);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  const handleSignOut = () => {
    setOpen(false);
    void signOut();
  };

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
            {accountLabel}
          </Link>
        </li>
        <li className="menu__list-item">
          <button type="button" className="menu__link authgate-navbar__menu-button" onClick={handleSignOut}>
            {signOutLabel()}
          </button>
        </li>
      </>
    );
  }

  return (
    <div
      ref={rootRef}
      className={classes('navbar__item dropdown dropdown--right authgate-navbar', open && 'dropdown--show', className)}
      onBlur={(event) => {
        if (rootRef.current && !rootRef.current.contains(event.relatedTarget as Node | null)) setOpen(false);
      }}>
      <button
        ref={buttonRef}
        type="button"
        className="navbar__link authgate-navbar__toggle"
        aria-haspopup="true"
        aria-expanded={open}
        aria-controls={menuId}
        title={user.email}
        onClick={() => setOpen((v) => !v)}>
        <span className="authgate-navbar__email">{user.email}</span>
      </button>
      <ul id={menuId} className="dropdown__menu authgate-navbar__menu">
        <li>
          <Link className="dropdown__link" to={paths.account} onClick={() => setOpen(false)}>
            {accountLabel}
          </Link>
        </li>
        <li>
          <button type="button" className="dropdown__link authgate-navbar__menu-button" onClick={handleSignOut}>
            {signOutLabel()}
          </button>
        </li>
      </ul>
    </div>
  );
}
