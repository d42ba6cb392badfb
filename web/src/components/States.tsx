import type { ReactNode } from "react";
import { ApiError } from "../api/client";
import { useI18n } from "../i18n";
import type { Resource } from "../lib/useResource";

/** The endpoint behind a panel does not exist on this server yet. */
export function Unavailable({ what }: { what?: string }) {
  const { t } = useI18n();
  return (
    <div className="state state-unavailable" role="status" data-testid="unavailable">
      <div className="state-title">{t("common.unavailableTitle")}</div>
      <div className="muted">{what ?? t("common.unavailableText")}</div>
    </div>
  );
}

export function errorText(t: ReturnType<typeof useI18n>["t"], error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 0) return t("errors.network");
    if (error.status === 429) return t("errors.rateLimited", { s: error.retryAfterS ?? 60 });
    if (error.status === 403) return t("errors.forbidden");
    if (error.status >= 500) return t("errors.server");
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

export function ErrorBox({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useI18n();
  return (
    <div className="state state-error" role="alert">
      <span>{errorText(t, error)}</span>
      {onRetry && (
        <button type="button" className="btn btn-small" onClick={onRetry}>
          {t("common.retry")}
        </button>
      )}
    </div>
  );
}

export function Loading() {
  const { t } = useI18n();
  return (
    <div className="state state-loading" aria-busy="true">
      <span className="spinner" /> {t("common.loading")}
    </div>
  );
}

/** Render a resource: loading, "not available yet", error with retry, or the data. */
export function ResourceView<T>({ resource, children, what }: { resource: Resource<T>; children: (data: T) => ReactNode; what?: string }) {
  if (resource.missing) return <Unavailable what={what} />;
  if (resource.error && resource.data === undefined) return <ErrorBox error={resource.error} onRetry={resource.reload} />;
  if (resource.data === undefined) return <Loading />;
  return <>{children(resource.data)}</>;
}
