import React from 'react';
import Layout from '@theme/Layout';
import Link from '@docusaurus/Link';
import { useAuth } from '../contexts/AuthContext';

export default function Home() {
  const { user, loading } = useAuth();
  return (
    <Layout title="Home" description="The quickstart's frontend against the authgate API">
      <main className="container margin-vert--lg">
        <h1>Quickstart site</h1>
        {loading ? (
          <p>Checking your session…</p>
        ) : user ? (
          <p data-testid="home-status">Signed in.</p>
        ) : (
          <p data-testid="home-status">
            Signed out. <Link to="/auth/login">Sign in</Link>
          </p>
        )}
      </main>
    </Layout>
  );
}
