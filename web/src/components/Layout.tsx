import type { ReactNode } from 'react';
import { useApi, useSession } from '../app-context';
import { Link, navigate, useLocation } from '../router';
import { useUnread } from '../unread';

function NavLink({ to, children }: { to: string; children: ReactNode }) {
  const { pathname } = useLocation();
  const current = to === '/' ? pathname === '/' : pathname.startsWith(to);
  return (
    <Link to={to} aria-current={current ? 'page' : undefined}>
      {children}
    </Link>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const api = useApi();
  const session = useSession();
  const { href } = useLocation();
  const user = session.status === 'signed-in' ? session.user : null;
  const unread = useUnread(api, user !== null, href);

  const logout = async () => {
    await api.session.logout();
    navigate('/login');
  };

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <Link to="/" className="brand">
          Serverless shop
        </Link>
        <nav aria-label="Main">
          <ul>
            <li><NavLink to="/">Catalogue</NavLink></li>
            {user && (
              <>
                <li><NavLink to="/cart">Cart</NavLink></li>
                <li><NavLink to="/orders">Orders</NavLink></li>
                <li>
                  <NavLink to="/notifications">
                    Notifications
                    {unread > 0 && (
                      <span className="badge badge-count" data-testid="unread-badge">
                        {unread}
                        <span className="visually-hidden"> unread</span>
                      </span>
                    )}
                  </NavLink>
                </li>
                <li><NavLink to="/profile">Profile</NavLink></li>
                <li><NavLink to="/sessions">Sessions</NavLink></li>
              </>
            )}
          </ul>
        </nav>
        {user?.role === 'admin' && (
          <nav aria-label="Admin">
            <ul>
              <li><NavLink to="/admin/users">Users</NavLink></li>
              <li><NavLink to="/admin/products">Products</NavLink></li>
              <li><NavLink to="/admin/orders">All orders</NavLink></li>
              <li><NavLink to="/admin/audit">Audit log</NavLink></li>
            </ul>
          </nav>
        )}
        <div className="account">
          {user ? (
            <>
              <span data-testid="signed-in-as">Signed in as <strong>{user.username}</strong></span>
              <button type="button" className="button-secondary" onClick={logout}>
                Log out
              </button>
            </>
          ) : session.status === 'signed-out' ? (
            <>
              <Link to="/login">Log in</Link>
              <Link to="/signup">Sign up</Link>
            </>
          ) : null}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}

/** Pages for signed-in users only: others are sent to log in (and back after). */
export function RequireUser({ children, admin = false }: { children: ReactNode; admin?: boolean }) {
  const session = useSession();
  const { href } = useLocation();
  if (session.status === 'starting') return <p role="status">Restoring your session…</p>;
  if (session.status === 'signed-out') {
    return (
      <section>
        <h1>Please log in</h1>
        {session.reason && <p role="status">{session.reason}</p>}
        <p>
          <Link to={`/login?next=${encodeURIComponent(href)}`}>Log in</Link> or <Link to="/signup">sign up</Link> to see this page.
        </p>
      </section>
    );
  }
  if (admin && session.user.role !== 'admin') {
    return (
      <section>
        <h1>Admins only</h1>
        <p>This page is for the store's administrators.</p>
      </section>
    );
  }
  return <>{children}</>;
}
