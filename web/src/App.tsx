import { lazy, Suspense, type ReactNode } from "react";
import { createBrowserRouter, createRoutesFromElements, Navigate, Route, RouterProvider, useLocation } from "react-router-dom";
import { AuthProvider, useAuth } from "./app/auth";
import { LiveProvider } from "./app/live";
import { Layout } from "./components/Layout";
import { Loading } from "./components/States";
import { I18nProvider } from "./i18n";
import { LoginPage } from "./pages/LoginPage";
import { RegisterPage } from "./pages/RegisterPage";
import { LivePage } from "./pages/LivePage";
import { NotFoundPage } from "./pages/NotFoundPage";

// Heavier pages load on first visit; Live (the page traders keep open) is in the main bundle.
const AlertPage = lazy(() => import("./pages/AlertPage"));
const MarketsPage = lazy(() => import("./pages/MarketsPage"));
const SymbolPage = lazy(() => import("./pages/SymbolPage"));
const StatsPage = lazy(() => import("./pages/StatsPage"));
const SettingsPage = lazy(() => import("./pages/SettingsPage"));
const PriceAlertsPage = lazy(() => import("./pages/PriceAlertsPage"));
const AdminPage = lazy(() => import("./pages/AdminPage"));
const AccountPage = lazy(() => import("./pages/AccountPage"));

function RequireAuth({ children, admin = false }: { children: ReactNode; admin?: boolean }) {
  const { user } = useAuth();
  const location = useLocation();
  if (user === undefined) return <Loading />;
  if (user === null) {
    const next = location.pathname + location.search;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
  }
  if (admin && user.role !== "admin") return <Navigate to="/live" replace />;
  return <>{children}</>;
}

function Lazy({ children }: { children: ReactNode }) {
  return <Suspense fallback={<Loading />}>{children}</Suspense>;
}

export const routes = createRoutesFromElements(
    <>
      <Route path="/login" element={<LoginPage />} />
      <Route path="/register" element={<RegisterPage />} />
      <Route
        element={
          <RequireAuth>
            <Layout />
          </RequireAuth>
        }
      >
        <Route path="/" element={<Navigate to="/live" replace />} />
        <Route path="/live" element={<LivePage />} />
        <Route path="/alerts/:id" element={<Lazy><AlertPage /></Lazy>} />
        <Route path="/markets" element={<Lazy><MarketsPage /></Lazy>} />
        <Route path="/markets/:feed/:symbol" element={<Lazy><SymbolPage /></Lazy>} />
        <Route path="/stats" element={<Lazy><StatsPage /></Lazy>} />
        <Route path="/settings" element={<Lazy><SettingsPage /></Lazy>} />
        <Route path="/price-alerts" element={<Lazy><PriceAlertsPage /></Lazy>} />
        <Route path="/account" element={<Lazy><AccountPage /></Lazy>} />
        <Route
          path="/admin/*"
          element={
            <RequireAuth admin>
              <Lazy>
                <AdminPage />
              </Lazy>
            </RequireAuth>
          }
        />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </>,
);

const router = createBrowserRouter(routes);

export function App() {
  return (
    <I18nProvider>
      <AuthProvider>
        <LiveProvider>
          <RouterProvider router={router} />
        </LiveProvider>
      </AuthProvider>
    </I18nProvider>
  );
}
