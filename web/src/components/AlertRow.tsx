import { memo } from "react";
import type { AlertPublic } from "../api/contract";
import { useI18n } from "../i18n";
import { displaySymbol, exchangeMarketShort, formatClock, formatFeedTime, formatDelta, formatPct, formatPrice, formatUsdCompact } from "../lib/format";
import { BAND_ICON, bandCrossedKey, bandEdge, bandShortKey, priceBandKind } from "../lib/priceBand";

export const ROW_HEIGHT = 34;

interface Props {
  alert: AlertPublic;
  locale: string;
  timeZone?: string;
  fresh: boolean;
  /** Now (ms), to tell today's alerts from older ones; omitted: clock time only. */
  now?: number;
  onOpen: (alert: AlertPublic) => void;
  style?: React.CSSProperties;
}

export const AlertRow = memo(function AlertRow({ alert, locale, timeZone, fresh, now, onOpen, style }: Props) {
  const { t } = useI18n();
  const seen = alert.seen === true;
  // a price that left a price alert's band: its delta_pct is only the distance past the edge
  const band = priceBandKind(alert);
  const crossed = band ? t(bandCrossedKey(band), { edge: bandEdge(alert.rule, locale) }) : null;
  return (
    <div
      role="row"
      tabIndex={0}
      className={`feed-row ${alert.direction === "up" ? "is-up" : "is-down"} ${band ? "is-band" : ""} ${fresh ? "fresh" : ""} ${seen ? "is-seen" : "is-unseen"}`}
      data-seen={seen}
      data-kind={alert.kind ?? "spike"}
      style={style}
      onClick={() => onOpen(alert)}
      onKeyDown={(e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          onOpen(alert);
        }
      }}
      data-testid="feed-row"
    >
      <span role="cell" className="c-time mono">
        {/* in the cell for screen readers; drawn in the row's left padding (global.css) */}
        <span className="seen-dot" role="img" title={seen ? t("live.seen") : t("live.unseen")} aria-label={seen ? t("live.seen") : t("live.unseen")} />
        {now === undefined ? formatClock(alert.ts_ms, locale, timeZone) : formatFeedTime(alert.ts_ms, now, locale, timeZone)}</span>
      <span role="cell" className="c-venue"><span className={`tag tag-${alert.market}`}>{exchangeMarketShort(alert.exchange, alert.market)}</span></span>
      <span role="cell" className="c-symbol" data-symbol={alert.symbol} title={alert.symbol}>{displaySymbol(alert.symbol, alert.base, alert.quote)}</span>
      {band ? (
        <span role="cell" className="c-delta" title={`${alert.symbol} ${crossed}`}>{BAND_ICON} {t(bandShortKey(band))}</span>
      ) : (
        <span role="cell" className="c-delta mono">{formatDelta(alert.delta_pct, alert.direction, locale)}</span>
      )}
      <span role="cell" className="c-wick mono">{band ? "—" : formatPct(alert.wick_pct, locale)}</span>
      <span role="cell" className="c-vol mono">{formatUsdCompact(alert.volume_usd, locale)}</span>
      <span role="cell" className="c-price mono">{formatPrice(alert.price, locale)}</span>
      <span role="cell" className="c-rule muted" title={crossed ?? alert.strategy ?? alert.rule}>
        {crossed ?? alert.strategy ?? alert.rule}
        {alert.series_count > 1 && <span className="pill pill-dim">×{alert.series_count}</span>}
      </span>
    </div>
  );
});
