import { lazy, Suspense, useEffect, useRef, type ReactNode } from 'react';
import { Layout, RequireUser } from './components/Layout';
import { CartPage } from './pages/CartPage';
import { CataloguePage } from './pages/CataloguePage';
import { LoginPage } from './pages/LoginPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { NotificationsPage } from './pages/NotificationsPage';
import { OrderDetailPage } from './pages/OrderDetailPage';
import { OrdersPage } from './pages/OrdersPage';
import { ProductPage } from './pages/ProductPage';
import { ProfilePage } from './pages/ProfilePage';
import { SessionsPage } from './pages/SessionsPage';
import { SignupPage } from './pages/SignupPage';
import { matchPath, useLocation } from './router';

// Admin pages are loaded on demand: customers never download them.
const UsersAdminPage = lazy(() => import('./pages/admin/UsersAdminPage'));
const ProductsAdminPage = lazy(() => import('./pages/admin/ProductsAdminPage'));
const OrdersAdminPage = lazy(() => import('./pages/admin/OrdersAdminPage'));
const AuditAdminPage = lazy(() => import('./pages/admin/AuditAdminPage'));

type Render = (params: Record<string, string>) => ReactNode;

const ROUTES: [string, Render][] = [
  ['/', () => <CataloguePage />],
  ['/products/:id', (p) => <ProductPage key={p.id} id={p.id!} />],
  ['/login', () => <LoginPage />],
  ['/signup', () => <SignupPage />],
  ['/cart', () => <RequireUser><CartPage /></RequireUser>],
  ['/orders', () => <RequireUser><OrdersPage /></RequireUser>],
  ['/orders/:id', (p) => <RequireUser><OrderDetailPage key={p.id} id={p.id!} /></RequireUser>],
  ['/notifications', () => <RequireUser><NotificationsPage /></RequireUser>],
  ['/profile', () => <RequireUser><ProfilePage /></RequireUser>],
  ['/sessions', () => <RequireUser><SessionsPage /></RequireUser>],
  ['/admin/users', () => <RequireUser admin><UsersAdminPage /></RequireUser>],
  ['/admin/products', () => <RequireUser admin><ProductsAdminPage /></RequireUser>],
  ['/admin/orders', () => <RequireUser admin><OrdersAdminPage /></RequireUser>],
  ['/admin/audit', () => <RequireUser admin><AuditAdminPage /></RequireUser>],
];

function resolve(pathname: string): ReactNode {
  for (const [pattern, render] of ROUTES) {
    const params = matchPath(pattern, pathname);
    if (params) return render(params);
  }
  return <NotFoundPage />;
}

export function App() {
  const { pathname } = useLocation();
  const first = useRef(true);
  // After a client-side navigation, move focus to the new page so keyboard
  // and screen-reader users start at its content (not on the old link).
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    document.getElementById('main')?.focus();
  }, [pathname]);

  return (
    <Layout>
      <Suspense fallback={<p role="status">Loading…</p>}>{resolve(pathname)}</Suspense>
    </Layout>
  );
}
