// The quickstart's check 4: the signed-in user's email appears in the navigation, with a Logout button.
import React from 'react';
import Link from '@docusaurus/Link';
import { useAuth } from '../contexts/AuthContext';

export default function AuthNavbarItem() {
  const { user, loading, logout } = useAuth();

  if (loading) {
    return <span className="navbar__item" data-testid="auth-loading">…</span>;
  }
  if (!user) {
    return (
      <Link className="navbar__item navbar__link" to="/auth/login">
        Sign in
      </Link>
    );
  }
  return (
    <>
      <span className="navbar__item" data-testid="auth-email">{user.email}</span>
      <button type="button" className="button button--secondary button--sm navbar__item" onClick={() => logout()}>
        Logout
      </button>
    </>
  );
}
