// Generated from the backend by `npm run gen:api`. Do not edit.

export interface paths {
    "/api/v1/admin/errors": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List Errors
         * @description The error log of every process, newest first.
         */
        get: operations["admin:list_errors"];
        put?: never;
        post?: never;
        /**
         * Delete Old Errors
         * @description Delete the entries logged before `before`; returns how many.
         */
        delete: operations["admin:delete_old_errors"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/errors/{error_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Delete Error */
        delete: operations["admin:delete_error"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/exchanges": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Exchange Stats
         * @description Every feed's live statistics (stale reports shown as `down`) and its alerts of the last
         *     24 hours.
         */
        get: operations["admin:exchange_stats"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/invites": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List Invites
         * @description Issued invites, newest first (codes are never shown again).
         */
        get: operations["admin:list_invites"];
        put?: never;
        /**
         * Create Invite
         * @description Issue a single-use invite code (shown only in this response).
         */
        post: operations["admin:create_invite"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/invites/{invite_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Delete Invite
         * @description Withdraw an invite (used or not).
         */
        delete: operations["admin:delete_invite"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/status": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * System Status
         * @description Version, uptime, database and Redis checks with latency, the delivery outbox by state,
         *     the processes known to be running, and recent errors.
         */
        get: operations["admin:system_status"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List Users
         * @description Every account, oldest first.
         */
        get: operations["admin:list_users"];
        put?: never;
        /**
         * Create User
         * @description Create an account (any registration mode).
         */
        post: operations["admin:create_user"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/users/{user_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get User */
        get: operations["admin:get_user"];
        put?: never;
        post?: never;
        /**
         * Delete User
         * @description Delete the account with all its data (settings, alerts, channels, sessions).
         */
        delete: operations["admin:delete_user"];
        options?: never;
        head?: never;
        /**
         * Update User
         * @description Change role, name or active state. Disabling ends every session of the account at once
         *     and stops its alerts within a second.
         */
        patch: operations["admin:update_user"];
        trace?: never;
    };
    "/api/v1/alerts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List Alerts
         * @description Your alerts, newest first, with each channel's delivery state. Pages are stable while new
         *     alerts arrive: follow `next_cursor` (alerts newer than the first page are fetched with
         *     `after_id`).
         */
        get: operations["alerts:list_alerts"];
        put?: never;
        post?: never;
        /**
         * Clear Alerts
         * @description Delete your alerts (with their delivery records); returns how many.
         */
        delete: operations["alerts:clear_alerts"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/alerts/{alert_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get Alert */
        get: operations["alerts:get_alert"];
        put?: never;
        post?: never;
        /** Delete Alert */
        delete: operations["alerts:delete_alert"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/alerts/{alert_id}/candles": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Alert Candles
         * @description The alert's chart: the 1-second candles stored around the spike (`interval_s` 1, from
         *     59 s before to 30 s after it) while they are kept, else 1-minute candles of the price history
         *     (`interval_s` 60; `before_min` / `after_min` apply to these only). Oldest first.
         */
        get: operations["alerts:alert_candles"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/alerts/{alert_id}/read": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Mark Read
         * @description Mark one alert read (no change when it already is).
         */
        post: operations["alerts:mark_read"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/alerts/read-all": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Mark All Read
         * @description Mark your unread alerts read; returns how many changed.
         */
        post: operations["alerts:mark_all_read"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/login": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Login
         * @description Sign in with e-mail and password: an access token plus a refresh token (in an httpOnly
         *     cookie for browsers, or in the body with `"refresh_in": "body"`).
         *
         *     Failed attempts are rate limited per client address and per account (growing lock-out).
         */
        post: operations["auth:login"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/logout": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Logout
         * @description End this session: identified by the access token, the refresh token in the body, or
         *     the refresh cookie (with `X-CSRF-Token`).
         */
        post: operations["auth:logout"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/logout-all": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Logout All
         * @description End every session of this account, on every device (all tokens stop working).
         */
        post: operations["auth:logout_all"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get Me
         * @description The signed-in account.
         */
        get: operations["auth:get_me"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Update Me
         * @description Change the display name or language.
         */
        patch: operations["auth:update_me"];
        trace?: never;
    };
    "/api/v1/auth/password": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Change Password
         * @description Change the password. Ends every session, this one included: sign in again.
         */
        post: operations["auth:change_password"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/refresh": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Refresh
         * @description Exchange the refresh token for a new access token and a new refresh token.
         *
         *     Send it in the body, or rely on the cookie and send the CSRF token in `X-CSRF-Token`. Every
         *     refresh token works once: using one again ends the session everywhere.
         */
        post: operations["auth:refresh"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/register": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Register
         * @description Create an account (per `WICKWATCH_REGISTRATION_MODE`: open, by invite code, or closed).
         *
         *     Sign in afterwards with `POST /api/v1/auth/login`.
         */
        post: operations["auth:register"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/sessions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List Sessions
         * @description Active sign-ins of this account (devices and API clients).
         */
        get: operations["auth:list_sessions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/sessions/{session_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Revoke Session
         * @description Sign out one device.
         */
        delete: operations["auth:revoke_session"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/candles": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List Candles
         * @description Candles of a symbol from the stored history, oldest first: those starting in
         *     `[from_ms, to_ms)` (default: the last 60 candles of `tf`); at most 10,080 candles per
         *     request (a week of `1m`, 35 days of `5m`, … 27 years of `1d`). A symbol in another case
         *     than the venue's (`btcusdt`) is answered for the venue's (`BTCUSDT`).
         */
        get: operations["markets:list_candles"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/channels": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List Channels
         * @description Your channels; secrets appear only masked.
         */
        get: operations["channels:list_channels"];
        put?: never;
        /**
         * Create Channel
         * @description Add a channel: your own Telegram bot, an e-mail address (optionally your SMTP server) or
         *     a webhook. The secret is encrypted at rest and never shown again.
         */
        post: operations["channels:create_channel"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/channels/{channel_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get Channel */
        get: operations["channels:get_channel"];
        put?: never;
        post?: never;
        /** Delete Channel */
        delete: operations["channels:delete_channel"];
        options?: never;
        head?: never;
        /**
         * Update Channel
         * @description Rename, pause/resume, change the configuration or replace the secret.
         */
        patch: operations["channels:update_channel"];
        trace?: never;
    };
    "/api/v1/channels/{channel_id}/test": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Test Channel
         * @description Send a test message through this channel right now (at most 5 a minute). A channel that
         *     fails answers ``ok: false`` with the reason, not an error status.
         */
        post: operations["channels:test_channel"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/channels/telegram/link": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Link Telegram
         * @description A one-time code (15 minutes) that links a Telegram chat to your account through the
         *     service's bot: open ``deep_link`` for a private chat, or send ``/start <code>`` in a group
         *     or channel where the bot is a member. 503 when this server has no service bot.
         */
        post: operations["channels:link_telegram"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/markets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List Markets
         * @description Every exchange × market feed with its live status: `active`, `degraded` or `down` with
         *     the reason. A feed whose last report is older than 3 status intervals is `down`.
         */
        get: operations["markets:list_markets"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/price-alerts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List Price Alerts
         * @description Your price alerts with the latest price of each, oldest first.
         */
        get: operations["price-alerts:list_price_alerts"];
        put?: never;
        /**
         * Create Price Alert
         * @description Watch a coin: `BTC` watches Binance spot `BTCUSDT` unless you name the exchange, market
         *     or the exact symbol. Fires when the price leaves the band; re-arms after it came back
         *     `hysteresis_pct` inside.
         */
        post: operations["price-alerts:create_price_alert"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/price-alerts/{price_alert_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get Price Alert */
        get: operations["price-alerts:get_price_alert"];
        put?: never;
        post?: never;
        /**
         * Delete Price Alert
         * @description Delete (restorable: see `/deleted`).
         */
        delete: operations["price-alerts:delete_price_alert"];
        options?: never;
        head?: never;
        /**
         * Update Price Alert
         * @description Change the band, the coin or market, the hysteresis, or pause/resume.
         */
        patch: operations["price-alerts:update_price_alert"];
        trace?: never;
    };
    "/api/v1/price-alerts/{price_alert_id}/history": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Price History
         * @description Candles of the watched symbol (1-minute, or aggregated to `tf`), newest first: those
         *     starting in `[from_ms, to_ms)`; follow `next_cursor` for older ones (keep the same `tf`).
         */
        get: operations["price-alerts:price_history"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/price-alerts/{price_alert_id}/history.csv": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Price History Csv
         * @description The watched symbol's history in candles of `tf` as CSV (`time_utc, ts_ms, open, high,
         *     low, close, volume, quote_volume, trades, complete`), oldest first, streamed; decimals
         *     exact (sums of aggregated candles: see `tf`).
         */
        get: operations["price-alerts:price_history_csv"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/price-alerts/{price_alert_id}/restore": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Restore Price Alert
         * @description Bring a deleted price alert back (armed again).
         */
        post: operations["price-alerts:restore_price_alert"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/price-alerts/deleted": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List Deleted Price Alerts
         * @description Your deleted price alerts, most recently deleted first; restore with `/{id}/restore`.
         */
        get: operations["price-alerts:list_deleted_price_alerts"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/prices/latest": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Latest Price
         * @description The latest known price of a symbol (404 when none is known). A symbol in another case
         *     than the venue's (`btcusdt`) is answered for the venue's (`BTCUSDT`).
         */
        get: operations["markets:latest_price"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/settings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get Settings
         * @description Your rules document (defaults, version 0, until you save one). The `ETag` is the version;
         *     send it back as `If-Match` when saving.
         */
        get: operations["settings:get_settings"];
        /**
         * Put Settings
         * @description Replace the whole document. Invalid documents are a 422 naming the field. Detection uses
         *     the new rules within a second (every collector is told over the bus).
         */
        put: operations["settings:put_settings"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/settings/dry-run": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Dry Run Settings
         * @description What a draft would have sent: replays the market spikes stored in the last `hours` hours
         *     (every complete 1-second candle that moved at least `floor_pct`) through the real detector
         *     with the draft's rules, de-duplication and cooldown, and counts the alerts. Nothing is saved
         *     or sent.
         *
         *     Limits: moves below `floor_pct` are not stored, so rules asking for less see only the
         *     larger ones; rules with a window of more than 1 s are evaluated on the stored seconds only
         *     (the quiet seconds between two stored spikes are missing); series conditions count the
         *     spikes of the replay only. At most 200,000 stored seconds are replayed — the newest;
         *     `truncated` says when the period held more. An invalid draft is a 422 naming the field.
         *     A user's second run while the first is going, or a run while the server's few slots are
         *     busy, is a 429 with `Retry-After` (not queued).
         */
        post: operations["settings:dry_run_settings"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get Stats
         * @description Counts per day (in your timezone), per exchange and market, up/down, the most frequent
         *     symbols, the largest moves and volumes, and averages of the last `days` days. Everything is
         *     aggregated by the database.
         */
        get: operations["stats:get_stats"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/symbols": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Search Symbol
         * @description Symbols with stored price history whose symbol or base contains `q`: exact base matches
         *     first, then prefixes. (Searches the distinct symbols of the 1-minute history; there is no
         *     separate instrument table.)
         */
        get: operations["markets:search_symbol"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Healthz
         * @description The process is alive (no dependency is checked).
         */
        get: operations["health:healthz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Readyz
         * @description The process can serve: the database answers (503 naming what is down otherwise).
         *
         *     Redis, when configured, and the feeds of ``WICKWATCH_MARKETS`` (their collectors' status
         *     reports) are checked and reported too, but their outage only makes the status ``degraded``
         *     (200): without Redis the API still answers from the database (live pushes and shared rate
         *     limits wait for it), without a feed it still serves everything stored, and a load balancer
         *     must not take every replica out of rotation for a Redis restart or an exchange outage.
         */
        get: operations["health:readyz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /**
         * Affected
         * @example {
         *       "count": 12
         *     }
         */
        Affected: {
            /**
             * Count
             * @description Alerts changed or deleted.
             */
            count: number;
        };
        /**
         * AlertCandles
         * @description The candles of an alert's chart, oldest first. ``interval_s`` says which:
         *
         *     * ``1`` — the 1-second candles the collector stored around the spike, exactly as it built
         *       them: from 59 s before the alert's second to 30 s after it (fewer while the alert is
         *       younger than that; seconds without trades have no candle). Kept for
         *       ``WICKWATCH_SPIKE_RETENTION_DAYS``, like the market spikes.
         *     * ``60`` — 1-minute candles from the price history (`before_min` / `after_min` around the
         *       spike): for older alerts, and alerts from before the 1-second candles were kept.
         * @example {
         *       "alert_id": 1042,
         *       "candles": [
         *         {
         *           "c": "64988.8",
         *           "complete": true,
         *           "h": "64990",
         *           "l": "64975.3",
         *           "n": 17,
         *           "o": "64980.1",
         *           "qv": "78243.11",
         *           "t": 1767225599000,
         *           "v": "1.204"
         *         },
         *         {
         *           "c": "65100.2",
         *           "complete": true,
         *           "h": "66520",
         *           "l": "64988.8",
         *           "n": 412,
         *           "o": "64988.8",
         *           "qv": "646002.4",
         *           "t": 1767225600000,
         *           "v": "9.87"
         *         }
         *       ],
         *       "exchange": "binance",
         *       "interval_s": 1,
         *       "market": "futures",
         *       "spike_ts_ms": 1767225600000,
         *       "symbol": "BTCUSDT"
         *     }
         */
        AlertCandles: {
            /** Alert Id */
            alert_id: number;
            /**
             * Candles
             * @description Oldest first.
             */
            candles: components["schemas"]["CandlePublic"][];
            /** Exchange */
            exchange: string;
            /**
             * Interval S
             * @description Candle length: 1 (stored spike window) or 60 (price history).
             * @default 60
             * @enum {integer}
             */
            interval_s: 1 | 60;
            /** Market */
            market: string;
            /**
             * Spike Ts Ms
             * @description Start of the alert's second (epoch ms): the spike.
             */
            spike_ts_ms: number;
            /** Symbol */
            symbol: string;
        };
        /**
         * AlertPublic
         * @description A spike that matched one of your rules, or (``kind`` ``above_max`` / ``below_min``) a
         *     price that left the band of one of your price alerts: then ``price`` is the price that
         *     crossed and ``rule`` names the edge (``max 110000``).
         * @example {
         *       "base": "BTC",
         *       "created_at": "2026-01-01T00:00:00.120000Z",
         *       "deliveries": [
         *         {
         *           "attempts": 1,
         *           "channel": "telegram",
         *           "channel_id": 3,
         *           "destination": "chat 123456789",
         *           "id": 77,
         *           "sent_at": "2026-01-01T00:00:00.450000Z",
         *           "state": "sent"
         *         }
         *       ],
         *       "delta_pct": 2.35,
         *       "direction": "up",
         *       "exchange": "binance",
         *       "folded_count": 0,
         *       "id": 1042,
         *       "kind": "spike",
         *       "market": "futures",
         *       "price": "65100.2",
         *       "quote": "USDT",
         *       "rule": "binance futures USDT",
         *       "seen": false,
         *       "series_count": 1,
         *       "symbol": "BTCUSDT",
         *       "ts_ms": 1767225600000,
         *       "volume_usd": "1250000.5",
         *       "wick_pct": 0.4,
         *       "window_s": 5
         *     }
         */
        AlertPublic: {
            /** Base */
            base: string;
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /**
             * Deliveries
             * @description One per channel it was sent to.
             */
            deliveries: components["schemas"]["DeliveryPublic"][];
            /**
             * Delta Pct
             * @description Size of the move, percent (always positive).
             */
            delta_pct: number;
            /**
             * Direction
             * @enum {string}
             */
            direction: "up" | "down";
            /** Exchange */
            exchange: string;
            /** Folded Count */
            folded_count: number;
            /** Id */
            id: number;
            /**
             * Kind
             * @default spike
             * @enum {string}
             */
            kind: "spike" | "above_max" | "below_min";
            /** Market */
            market: string;
            /**
             * Price
             * @description Close of the last candle (exact decimal).
             * @example 65000.5
             */
            price: string;
            /** Quote */
            quote: string;
            /** Read At */
            read_at: string | null;
            /** Rule */
            rule: string;
            /**
             * Seen
             * @description You marked it read.
             */
            seen: boolean;
            /** Series Count */
            series_count: number;
            /** Strategy */
            strategy: string | null;
            /** Symbol */
            symbol: string;
            /**
             * Ts Ms
             * @description Start of the second that closed the spike (epoch ms).
             */
            ts_ms: number;
            /**
             * Volume Usd
             * @description USD volume of the window (exact decimal); null when it cannot be known (no live price of a non-USD quote).
             */
            volume_usd: string | null;
            /** Wick Pct */
            wick_pct: number;
            /** Window S */
            window_s: number;
        };
        /**
         * AlertsPage
         * @description One page of your alerts, newest first.
         * @example {
         *       "items": [
         *         {
         *           "base": "BTC",
         *           "created_at": "2026-01-01T00:00:00.120000Z",
         *           "deliveries": [
         *             {
         *               "attempts": 1,
         *               "channel": "telegram",
         *               "channel_id": 3,
         *               "destination": "chat 123456789",
         *               "id": 77,
         *               "sent_at": "2026-01-01T00:00:00.450000Z",
         *               "state": "sent"
         *             }
         *           ],
         *           "delta_pct": 2.35,
         *           "direction": "up",
         *           "exchange": "binance",
         *           "folded_count": 0,
         *           "id": 1042,
         *           "kind": "spike",
         *           "market": "futures",
         *           "price": "65100.2",
         *           "quote": "USDT",
         *           "rule": "binance futures USDT",
         *           "seen": false,
         *           "series_count": 1,
         *           "symbol": "BTCUSDT",
         *           "ts_ms": 1767225600000,
         *           "volume_usd": "1250000.5",
         *           "wick_pct": 0.4,
         *           "window_s": 5
         *         }
         *       ],
         *       "limit": 50,
         *       "next_cursor": "YToxMDQy"
         *     }
         */
        AlertsPage: {
            /** Items */
            items: components["schemas"]["AlertPublic"][];
            /** Limit */
            limit: number;
            /**
             * Next Cursor
             * @description Pass as `cursor` for the next (older) page; null on the last page.
             */
            next_cursor: string | null;
        };
        /**
         * CandlePublic
         * @description One candle of the requested timeframe; ``t`` is its start (epoch ms, exchange time).
         * @example {
         *       "c": "65100.2",
         *       "complete": true,
         *       "h": "65120",
         *       "l": "64990.5",
         *       "n": 1532,
         *       "o": "65000.1",
         *       "qv": "803456.78",
         *       "t": 1767225600000,
         *       "v": "12.345"
         *     }
         */
        CandlePublic: {
            /**
             * C
             * @example 65000.5
             */
            c: string;
            /**
             * Complete
             * @description False when a gap or a restart touched this minute (or a minute of it).
             */
            complete: boolean;
            /**
             * H
             * @example 65000.5
             */
            h: string;
            /**
             * L
             * @example 65000.5
             */
            l: string;
            /**
             * N
             * @description Trades.
             */
            n: number;
            /**
             * O
             * @example 65000.5
             */
            o: string;
            /**
             * Qv
             * @description Volume in the quote asset.
             * @example 65000.5
             */
            qv: string;
            /** T */
            t: number;
            /**
             * V
             * @description Volume in the base asset.
             * @example 65000.5
             */
            v: string;
        };
        /** Candles */
        Candles: {
            /**
             * Candles
             * @description Oldest first.
             */
            candles: components["schemas"]["CandlePublic"][];
            /** Exchange */
            exchange: string;
            /**
             * Interval S
             * @description Candle length in seconds (the `tf` asked for).
             * @default 60
             */
            interval_s: number;
            /** Market */
            market: string;
            /** Symbol */
            symbol: string;
        };
        /**
         * ChannelPublic
         * @example {
         *       "config": {
         *         "bot": "own",
         *         "chat_id": 123456789
         *       },
         *       "created_at": "2026-01-01T00:00:00Z",
         *       "enabled": true,
         *       "id": 3,
         *       "kind": "telegram",
         *       "last_status": "ok",
         *       "last_status_at": "2026-01-02T03:04:05Z",
         *       "name": "My bot",
         *       "secret_masked": "123456:••••wxyz",
         *       "secret_set": true,
         *       "updated_at": "2026-01-02T03:04:05Z"
         *     }
         */
        ChannelPublic: {
            /** Config */
            config: {
                [key: string]: unknown;
            };
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /** Enabled */
            enabled: boolean;
            /** Id */
            id: number;
            /**
             * Kind
             * @enum {string}
             */
            kind: "telegram" | "email" | "webhook";
            /** Last Error */
            last_error: string | null;
            /** Last Status */
            last_status: string | null;
            /** Last Status At */
            last_status_at: string | null;
            /** Name */
            name: string;
            /**
             * Secret Masked
             * @description Recognisable, useless form of the secret.
             */
            secret_masked: string | null;
            /** Secret Set */
            secret_set: boolean;
            /**
             * Updated At
             * Format: date-time
             */
            updated_at: string;
        };
        /**
         * ChannelTestResult
         * @description Whether the test message went out; ``detail`` says why not (never a secret).
         * @example {
         *       "ok": true
         *     }
         * @example {
         *       "detail": "Telegram: Forbidden: bot was blocked by the user",
         *       "ok": false
         *     }
         */
        ChannelTestResult: {
            /** Detail */
            detail: string | null;
            /** Ok */
            ok: boolean;
        };
        /**
         * ChannelUpdate
         * @description Only the fields sent change. ``config`` replaces the whole configuration (checked against
         *     the channel's kind); ``secret`` replaces the secret, ``null`` removes it.
         * @example {
         *       "enabled": false
         *     }
         */
        ChannelUpdate: {
            /** Config */
            config?: {
                [key: string]: unknown;
            } | null;
            /** Enabled */
            enabled?: boolean | null;
            /** Name */
            name?: string | null;
            /** Secret */
            secret?: string | null;
        };
        /** CursorPage[ErrorLogPublic] */
        CursorPage_ErrorLogPublic_: {
            /** Items */
            items: components["schemas"]["ErrorLogPublic"][];
            /** Limit */
            limit: number;
            /**
             * Next Cursor
             * @description Pass as `cursor` for the next page; null when this is the last page.
             */
            next_cursor: string | null;
        };
        /** DatabaseStatus */
        DatabaseStatus: {
            /**
             * Backend
             * @description `sqlite` or `postgresql`.
             */
            backend: string;
            /** Error */
            error?: string | null;
            /** Latency Ms */
            latency_ms?: number | null;
            /** Ok */
            ok: boolean;
        };
        /** DayCount */
        DayCount: {
            /** Count */
            count: number;
            /**
             * Date
             * Format: date
             * @description Calendar day in the statistics' timezone.
             */
            date: string;
        };
        /**
         * Deleted
         * @example {
         *       "count": 120
         *     }
         */
        Deleted: {
            /**
             * Count
             * @description Entries deleted.
             */
            count: number;
        };
        /** DeliveryPublic */
        DeliveryPublic: {
            /** Attempts */
            attempts: number;
            /**
             * Channel
             * @description `telegram`, `email` or `webhook`.
             */
            channel: string;
            /**
             * Channel Id
             * @description The channel; null once it was deleted.
             */
            channel_id: number | null;
            /**
             * Destination
             * @description Where it went: chat, address or host.
             */
            destination: string;
            /**
             * Error
             * @description Why the last attempt failed.
             */
            error: string | null;
            /** Id */
            id: number;
            /** Sent At */
            sent_at: string | null;
            /**
             * State
             * @enum {string}
             */
            state: "pending" | "sent" | "failed" | "skipped";
        };
        /**
         * DeltaCondition
         * @description The window's delta is within ``[min_pct, max_pct]`` (both inclusive, either optional).
         */
        DeltaCondition: {
            /** Max Pct */
            max_pct?: number | null;
            /** Min Pct */
            min_pct?: number | null;
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "delta";
        };
        /**
         * DirectionCondition
         * @description Only moves in this direction.
         */
        DirectionCondition: {
            /**
             * Direction
             * @enum {string}
             */
            direction: "up" | "down";
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "direction";
        };
        /** DryRunAlert */
        DryRunAlert: {
            /** Delta Pct */
            delta_pct: number;
            /**
             * Direction
             * @enum {string}
             */
            direction: "up" | "down";
            /** Exchange */
            exchange: string;
            /** Market */
            market: string;
            /**
             * Price
             * @description Close of that second.
             */
            price: number;
            /**
             * Rule
             * @description Threshold group, `override SYMBOL` or strategy name.
             */
            rule: string;
            /** Symbol */
            symbol: string;
            /**
             * Ts Ms
             * @description Start of the second that closed the spike's window.
             */
            ts_ms: number;
            /**
             * Volume Usd
             * @description None when the quote's USD rate was unknown.
             */
            volume_usd: number | null;
            /** Wick Pct */
            wick_pct: number;
        };
        /**
         * DryRunRequest
         * @example {
         *       "hours": 24,
         *       "settings": {
         *         "cooldown_s": 120
         *       }
         *     }
         */
        DryRunRequest: {
            /**
             * Hours
             * @description How many hours back to replay.
             * @default 24
             */
            hours: number;
            /** @description The draft rules document (not saved). */
            settings: components["schemas"]["UserSettings"];
        };
        /**
         * DryRunResult
         * @example {
         *       "alerts": 2,
         *       "by_market": [
         *         {
         *           "alerts": 2,
         *           "exchange": "binance",
         *           "market": "futures"
         *         }
         *       ],
         *       "floor_pct": 0.3,
         *       "folded": 1,
         *       "from_ms": 1767139200000,
         *       "hours": 24,
         *       "sample": [
         *         {
         *           "delta_pct": 2.4,
         *           "direction": "down",
         *           "exchange": "binance",
         *           "market": "futures",
         *           "price": 187.3,
         *           "rule": "binance·futures·USDT",
         *           "symbol": "SOLUSDT",
         *           "ts_ms": 1767225000000,
         *           "volume_usd": 182000,
         *           "wick_pct": 71
         *         }
         *       ],
         *       "to_ms": 1767225600000,
         *       "truncated": false
         *     }
         */
        DryRunResult: {
            /**
             * Alerts
             * @description Alerts the draft would have sent.
             */
            alerts: number;
            /**
             * By Market
             * @description Alerts per exchange × market, most first.
             */
            by_market: components["schemas"]["MarketAlerts"][];
            /**
             * Floor Pct
             * @description Smallest 1-second move kept in the history: rules asking for less cannot be replayed faithfully.
             */
            floor_pct: number;
            /**
             * Folded
             * @description Repeats the cooldown would have folded (not sent).
             */
            folded: number;
            /**
             * From Ms
             * @description Start of the replayed history (epoch ms, inclusive).
             */
            from_ms: number;
            /** Hours */
            hours: number;
            /**
             * Sample
             * @description The newest 50 alerts, newest first.
             */
            sample: components["schemas"]["DryRunAlert"][];
            /**
             * To Ms
             * @description End of the replayed history (epoch ms, exclusive): now.
             */
            to_ms: number;
            /**
             * Truncated
             * @description More than 200000 stored seconds in the period: only the newest were replayed (see `from_ms`).
             */
            truncated: boolean;
        };
        /** EmailChannelCreate */
        EmailChannelCreate: {
            config: components["schemas"]["EmailConfig"];
            /**
             * Enabled
             * @default true
             */
            enabled: boolean;
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            kind: "email";
            /** Name */
            name: string;
            /** Secret */
            secret?: string | null;
        };
        /** EmailConfig */
        EmailConfig: {
            /**
             * Address
             * Format: email
             */
            address: string;
            /**
             * Digest Minutes
             * @description One e-mail with every alert of the last N minutes (5…1440); 0 or absent = each alert at once.
             * @example 15
             */
            digest_minutes?: number | null;
            /** @description The user's own SMTP server (optional). */
            smtp?: components["schemas"]["SmtpConfig"] | null;
        };
        /** ErrorBody */
        ErrorBody: {
            /**
             * Code
             * @description Stable machine-readable code, e.g. `not_found`.
             */
            code: string;
            /**
             * Details
             * @description More about the error; for validation errors a list of `{"field": "body.password", "reason": "..."}`.
             */
            details?: unknown;
            /**
             * Message
             * @description Human-readable explanation.
             */
            message: string;
        };
        /**
         * ErrorLogPublic
         * @example {
         *       "context": {
         *         "delivery_id": 77
         *       },
         *       "created_at": "2026-01-01T00:00:00Z",
         *       "id": 31,
         *       "level": "ERROR",
         *       "logger": "wickwatch.notify.dispatcher",
         *       "message": "delivery 77 failed: timeout",
         *       "process": "4242"
         *     }
         */
        ErrorLogPublic: {
            /** Context */
            context: {
                [key: string]: unknown;
            } | null;
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /** Exception */
            exception: string | null;
            /** Id */
            id: number;
            /** Level */
            level: string;
            /** Logger */
            logger: string;
            /** Message */
            message: string;
            /** Process */
            process: string | null;
        };
        /**
         * ErrorResponse
         * @example {
         *       "error": {
         *         "code": "not_found",
         *         "message": "no such user"
         *       }
         *     }
         */
        ErrorResponse: {
            error: components["schemas"]["ErrorBody"];
        };
        /**
         * ExchangeStatsAdmin
         * @description A feed's status with what it produced.
         * @example {
         *       "age_s": 2.1,
         *       "candles_per_s": 380.2,
         *       "connections_total": 3,
         *       "connections_up": 3,
         *       "exchange": "binance",
         *       "gaps": 0,
         *       "lag_p50_ms": 35,
         *       "lag_p99_ms": 120,
         *       "last_trade_ms": 1767225600123,
         *       "malformed_frames": 0,
         *       "market": "futures",
         *       "reconnects": 0,
         *       "reported_status": "up",
         *       "stale": false,
         *       "status": "active",
         *       "symbols": 412,
         *       "trades_per_s": 1520.4,
         *       "updated_at": "2026-01-01T00:00:02Z"
         *     }
         */
        ExchangeStatsAdmin: {
            /**
             * Age S
             * @description Seconds since the last report.
             */
            age_s: number | null;
            /**
             * Alerts 24H
             * @description Alerts of all users on this feed in the last 24 h.
             */
            alerts_24h: number;
            /** Candles Per S */
            candles_per_s: number;
            /** Connections Total */
            connections_total: number;
            /** Connections Up */
            connections_up: number;
            /** Exchange */
            exchange: string;
            /** Gaps */
            gaps: number;
            /** Lag P50 Ms */
            lag_p50_ms: number | null;
            /** Lag P99 Ms */
            lag_p99_ms: number | null;
            /** Last Trade Ms */
            last_trade_ms: number | null;
            /** Malformed Frames */
            malformed_frames: number;
            /** Market */
            market: string;
            /**
             * Reason
             * @description Why the feed is not active.
             */
            reason: string | null;
            /** Reconnects */
            reconnects: number;
            /**
             * Reported Status
             * @description What the collector last reported.
             */
            reported_status: string | null;
            /**
             * Stale
             * @description The last report is older than 3 status intervals.
             */
            stale: boolean;
            /**
             * Status
             * @description `active` (every connection live), `degraded` (some), `down` (none, no report yet, or the last report is older than 3 status intervals).
             * @enum {string}
             */
            status: "active" | "degraded" | "down";
            /** Symbols */
            symbols: number;
            /** Trades Per S */
            trades_per_s: number;
            /** Updated At */
            updated_at: string | null;
        };
        /**
         * InviteCreate
         * @example {
         *       "email": "new@example.com",
         *       "note": "for Carol"
         *     }
         */
        InviteCreate: {
            /**
             * Email
             * @description Only this address may use the code.
             */
            email?: string | null;
            /**
             * Expires In S
             * @default 604800
             */
            expires_in_s: number;
            /** Note */
            note?: string | null;
            /**
             * Role
             * @default user
             * @enum {string}
             */
            role: "admin" | "user";
        };
        /** InviteCreated */
        InviteCreated: {
            /**
             * Code
             * @description The invite code; shown only once, only its hash is kept.
             */
            code: string;
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /** Created By */
            created_by: number | null;
            /** Email */
            email: string | null;
            /**
             * Expires At
             * Format: date-time
             */
            expires_at: string;
            /** Id */
            id: number;
            /** Note */
            note: string | null;
            /**
             * Role
             * @enum {string}
             */
            role: "admin" | "user";
            /** Used At */
            used_at: string | null;
            /** Used By */
            used_by: number | null;
        };
        /** InvitePublic */
        InvitePublic: {
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /** Created By */
            created_by: number | null;
            /** Email */
            email: string | null;
            /**
             * Expires At
             * Format: date-time
             */
            expires_at: string;
            /** Id */
            id: number;
            /** Note */
            note: string | null;
            /**
             * Role
             * @enum {string}
             */
            role: "admin" | "user";
            /** Used At */
            used_at: string | null;
            /** Used By */
            used_by: number | null;
        };
        /**
         * LatestPrice
         * @example {
         *       "exchange": "binance",
         *       "market": "spot",
         *       "price": "65100.2",
         *       "source": "history",
         *       "symbol": "BTCUSDT",
         *       "ts_ms": 1767225600000
         *     }
         */
        LatestPrice: {
            /** Exchange */
            exchange: string;
            /** Market */
            market: string;
            /**
             * Price
             * @example 65000.5
             */
            price: string;
            /**
             * Source
             * @description `live`: the last closed 1-second candle this process saw; `history`: the close of the newest stored 1-minute candle.
             * @enum {string}
             */
            source: "live" | "history";
            /** Symbol */
            symbol: string;
            /**
             * Ts Ms
             * @description Start of the candle whose close this is.
             */
            ts_ms: number;
        };
        /**
         * LoginRequest
         * @description ``refresh_in``: ``cookie`` (browsers: an httpOnly cookie plus a CSRF token) or ``body``
         *     (API clients: the refresh token in the response).
         * @example {
         *       "email": "ada@example.com",
         *       "password": "correct horse battery staple"
         *     }
         * @example {
         *       "email": "bot@example.com",
         *       "password": "a long passphrase",
         *       "refresh_in": "body"
         *     }
         */
        LoginRequest: {
            /** Email */
            email: string;
            /** Password */
            password: string;
            /**
             * Refresh In
             * @default cookie
             * @enum {string}
             */
            refresh_in: "cookie" | "body";
        };
        /** MarketAlerts */
        MarketAlerts: {
            /** Alerts */
            alerts: number;
            /** Exchange */
            exchange: string;
            /** Market */
            market: string;
        };
        /**
         * MarketsCondition
         * @description Only these exchange × market feeds (``binance_futures``).
         */
        MarketsCondition: {
            /** Markets */
            markets: ("binance_spot" | "binance_futures" | "bybit_spot" | "bybit_futures" | "okx_spot" | "okx_futures" | "bitget_spot" | "bitget_futures" | "gate_spot" | "gate_futures" | "hyperliquid_spot" | "hyperliquid_futures")[];
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "markets";
        };
        /**
         * MarketStatus
         * @description Live status of one exchange × market feed (the collector's last report).
         * @example {
         *       "age_s": 2.1,
         *       "candles_per_s": 380.2,
         *       "connections_total": 3,
         *       "connections_up": 3,
         *       "exchange": "binance",
         *       "gaps": 0,
         *       "lag_p50_ms": 35,
         *       "lag_p99_ms": 120,
         *       "last_trade_ms": 1767225600123,
         *       "malformed_frames": 0,
         *       "market": "futures",
         *       "reconnects": 0,
         *       "reported_status": "up",
         *       "stale": false,
         *       "status": "active",
         *       "symbols": 412,
         *       "trades_per_s": 1520.4,
         *       "updated_at": "2026-01-01T00:00:02Z"
         *     }
         */
        MarketStatus: {
            /**
             * Age S
             * @description Seconds since the last report.
             */
            age_s: number | null;
            /** Candles Per S */
            candles_per_s: number;
            /** Connections Total */
            connections_total: number;
            /** Connections Up */
            connections_up: number;
            /** Exchange */
            exchange: string;
            /** Gaps */
            gaps: number;
            /** Lag P50 Ms */
            lag_p50_ms: number | null;
            /** Lag P99 Ms */
            lag_p99_ms: number | null;
            /** Last Trade Ms */
            last_trade_ms: number | null;
            /** Malformed Frames */
            malformed_frames: number;
            /** Market */
            market: string;
            /**
             * Reason
             * @description Why the feed is not active.
             */
            reason: string | null;
            /** Reconnects */
            reconnects: number;
            /**
             * Reported Status
             * @description What the collector last reported.
             */
            reported_status: string | null;
            /**
             * Stale
             * @description The last report is older than 3 status intervals.
             */
            stale: boolean;
            /**
             * Status
             * @description `active` (every connection live), `degraded` (some), `down` (none, no report yet, or the last report is older than 3 status intervals).
             * @enum {string}
             */
            status: "active" | "degraded" | "down";
            /** Symbols */
            symbols: number;
            /** Trades Per S */
            trades_per_s: number;
            /** Updated At */
            updated_at: string | null;
        };
        /**
         * MarketSwitch
         * @description Master switch of one exchange's two markets.
         */
        MarketSwitch: {
            /**
             * Futures
             * @default true
             */
            futures: boolean;
            /**
             * Spot
             * @default true
             */
            spot: boolean;
        };
        /**
         * MarketSwitches
         * @description Master switches per exchange × market; off = no alerts at all from that feed.
         */
        MarketSwitches: {
            /**
             * @default {
             *       "spot": true,
             *       "futures": true
             *     }
             */
            binance: components["schemas"]["MarketSwitch"];
            /**
             * @default {
             *       "spot": true,
             *       "futures": true
             *     }
             */
            bitget: components["schemas"]["MarketSwitch"];
            /**
             * @default {
             *       "spot": true,
             *       "futures": true
             *     }
             */
            bybit: components["schemas"]["MarketSwitch"];
            /**
             * @default {
             *       "spot": true,
             *       "futures": true
             *     }
             */
            gate: components["schemas"]["MarketSwitch"];
            /**
             * @default {
             *       "spot": true,
             *       "futures": true
             *     }
             */
            hyperliquid: components["schemas"]["MarketSwitch"];
            /**
             * @default {
             *       "spot": true,
             *       "futures": true
             *     }
             */
            okx: components["schemas"]["MarketSwitch"];
        };
        /** OutboxStatus */
        OutboxStatus: {
            /**
             * By Status
             * @description Deliveries per outbox state: pending, claimed, sending, sent, failed, skipped.
             */
            by_status: {
                [key: string]: number;
            };
            /**
             * Oldest Pending At
             * @description Creation of the oldest waiting one.
             */
            oldest_pending_at: string | null;
        };
        /** Page[InvitePublic] */
        Page_InvitePublic_: {
            /** Items */
            items: components["schemas"]["InvitePublic"][];
            /** Limit */
            limit: number;
            /** Offset */
            offset: number;
            /** Total */
            total: number;
        };
        /** Page[PriceAlertPublic] */
        Page_PriceAlertPublic_: {
            /** Items */
            items: components["schemas"]["PriceAlertPublic"][];
            /** Limit */
            limit: number;
            /** Offset */
            offset: number;
            /** Total */
            total: number;
        };
        /** Page[UserPublic] */
        Page_UserPublic_: {
            /** Items */
            items: components["schemas"]["UserPublic"][];
            /** Limit */
            limit: number;
            /** Offset */
            offset: number;
            /** Total */
            total: number;
        };
        /**
         * PasswordChange
         * @example {
         *       "current_password": "old long passphrase",
         *       "new_password": "new long passphrase"
         *     }
         */
        PasswordChange: {
            /** Current Password */
            current_password: string;
            /**
             * New Password
             * @description 10 to 256 characters, not a common password.
             */
            new_password: string;
        };
        /**
         * PriceAlertCreate
         * @example {
         *       "coin": "BTC",
         *       "max_price": "110000",
         *       "min_price": "90000"
         *     }
         */
        PriceAlertCreate: {
            /**
             * Coin
             * @description Base coin: `BTC`.
             */
            coin: string;
            /**
             * Exchange
             * @default binance
             * @enum {string}
             */
            exchange: "binance" | "bybit" | "okx" | "bitget" | "gate" | "hyperliquid";
            /**
             * Hysteresis Pct
             * @description After firing, the price must come back this many percent inside the band before the alert can fire again.
             * @default 0.5
             */
            hysteresis_pct: number;
            /**
             * Is Enabled
             * @default true
             */
            is_enabled: boolean;
            /**
             * Market
             * @default spot
             * @enum {string}
             */
            market: "spot" | "futures";
            /** Max Price */
            max_price?: number | string | null;
            /** Min Price */
            min_price?: number | string | null;
            /** Symbol */
            symbol?: string | null;
        };
        /**
         * PriceAlertPublic
         * @example {
         *       "coin": "BTC",
         *       "created_at": "2026-01-01T00:00:00Z",
         *       "current_price": "101234.5",
         *       "current_price_ms": 1767225600000,
         *       "exchange": "binance",
         *       "hysteresis_pct": 0.5,
         *       "id": 7,
         *       "is_enabled": true,
         *       "market": "spot",
         *       "max_price": "110000",
         *       "min_price": "90000",
         *       "state": "inside",
         *       "symbol": "BTCUSDT"
         *     }
         */
        PriceAlertPublic: {
            /** Coin */
            coin: string;
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /**
             * Current Price
             * @description Latest known price of the symbol.
             */
            current_price: string | null;
            /**
             * Current Price Ms
             * @description When that price was current (epoch ms).
             */
            current_price_ms: number | null;
            /**
             * Deleted At
             * @description Set while deleted (restorable).
             */
            deleted_at: string | null;
            /** Exchange */
            exchange: string;
            /** Hysteresis Pct */
            hysteresis_pct: number;
            /** Id */
            id: number;
            /** Is Enabled */
            is_enabled: boolean;
            /** Last Triggered At */
            last_triggered_at: string | null;
            /** Market */
            market: string;
            /** Max Price */
            max_price: string | null;
            /** Min Price */
            min_price: string | null;
            /**
             * State
             * @description `inside`, `above` or `below` the band.
             */
            state: string;
            /** Symbol */
            symbol: string;
        };
        /**
         * PriceAlertUpdate
         * @description Only the fields sent change; `null` removes a bound (one must remain). Changing the coin
         *     or exchange/market without a `symbol` resolves the symbol again.
         * @example {
         *       "max_price": "120000"
         *     }
         */
        PriceAlertUpdate: {
            /** Coin */
            coin?: string | null;
            /** Exchange */
            exchange?: ("binance" | "bybit" | "okx" | "bitget" | "gate" | "hyperliquid") | null;
            /** Hysteresis Pct */
            hysteresis_pct?: number | null;
            /** Is Enabled */
            is_enabled?: boolean | null;
            /** Market */
            market?: ("spot" | "futures") | null;
            /** Max Price */
            max_price?: number | string | null;
            /** Min Price */
            min_price?: number | string | null;
            /** Symbol */
            symbol?: string | null;
        };
        /**
         * PriceHistoryPage
         * @description 1-minute candles of the watched symbol, newest first.
         * @example {
         *       "candles": [
         *         {
         *           "c": "65100.2",
         *           "complete": true,
         *           "h": "65120",
         *           "l": "64990.5",
         *           "n": 1532,
         *           "o": "65000.1",
         *           "qv": "803456.78",
         *           "t": 1767225600000,
         *           "v": "12.345"
         *         }
         *       ],
         *       "exchange": "binance",
         *       "interval_s": 60,
         *       "limit": 1,
         *       "market": "spot",
         *       "next_cursor": "aDoxNzY3MjI1NTQwMDAw",
         *       "symbol": "BTCUSDT"
         *     }
         */
        PriceHistoryPage: {
            /**
             * Candles
             * @description Newest first.
             */
            candles: components["schemas"]["CandlePublic"][];
            /** Exchange */
            exchange: string;
            /**
             * Interval S
             * @default 60
             */
            interval_s: number;
            /** Limit */
            limit: number;
            /** Market */
            market: string;
            /**
             * Next Cursor
             * @description Pass as `cursor` for the next (older) page; null on the last page.
             */
            next_cursor: string | null;
            /** Symbol */
            symbol: string;
        };
        /** ProcessesStatus */
        ProcessesStatus: {
            /**
             * Api Pid
             * @description This API process.
             */
            api_pid: number;
            /**
             * Dispatchers
             * @description Notifier processes holding a delivery lease right now (busy ones only).
             */
            dispatchers: string[];
            /**
             * Feeds Reporting
             * @description Feeds whose collector reported recently.
             */
            feeds_reporting: number;
            /** Feeds Total */
            feeds_total: number;
            /**
             * Roles Here
             * @description Roles running inside this API process.
             */
            roles_here: string[];
        };
        /**
         * ProfileUpdate
         * @description Fields an account owner may change themselves.
         * @example {
         *       "display_name": "Ada L."
         *     }
         */
        ProfileUpdate: {
            /** Display Name */
            display_name?: string | null;
            /** Locale */
            locale?: string | null;
        };
        /** RedisStatus */
        RedisStatus: {
            /** Configured */
            configured: boolean;
            /** Error */
            error?: string | null;
            /** Latency Ms */
            latency_ms?: number | null;
            /** Ok */
            ok: boolean;
        };
        /**
         * RefreshRequest
         * @description Without ``refresh_token`` the cookie is used (and the ``X-CSRF-Token`` header required).
         */
        RefreshRequest: {
            /** Refresh Token */
            refresh_token?: string | null;
        };
        /**
         * SeriesCondition
         * @description At least ``count`` spikes of this symbol (matching this strategy's other conditions,
         *     this one included) within the last ``within_s`` seconds.
         */
        SeriesCondition: {
            /** Count */
            count: number;
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "series";
            /** Within S */
            within_s: number;
        };
        /**
         * SessionPublic
         * @description A sign-in of the account (one device or client).
         */
        SessionPublic: {
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /**
             * Current
             * @default false
             */
            current: boolean;
            /**
             * Expires At
             * Format: date-time
             */
            expires_at: string;
            /** Id */
            id: string;
            /** Ip */
            ip: string | null;
            /**
             * Last Used At
             * Format: date-time
             */
            last_used_at: string;
            /** User Agent */
            user_agent: string | null;
        };
        /**
         * SettingsEnvelope
         * @description The document with its version (also sent as the ``ETag``).
         */
        SettingsEnvelope: {
            document: components["schemas"]["UserSettings"];
            /** Updated At */
            updated_at: string | null;
            /** Version */
            version: number;
        };
        /** SmtpConfig */
        SmtpConfig: {
            /**
             * From
             * @description Sender: `me@example.com` or `Name <me@example.com>`.
             * @example Alerts <me@example.com>
             */
            from?: string | null;
            /** Host */
            host: string;
            /**
             * Port
             * @default 587
             */
            port: number;
            /**
             * Starttls
             * @description Upgrade the connection with STARTTLS (port 587).
             * @default true
             */
            starttls: boolean;
            /**
             * Tls
             * @description TLS from the first byte (SMTPS, port 465); absent = on for port 465 only.
             */
            tls?: boolean | null;
            /** Username */
            username?: string | null;
        };
        /**
         * StatsResponse
         * @description Statistics of a period of whole local days (today included).
         *
         *     * `me`: the alerts you received (each alert counts, also when several of your rules caught
         *       the same spike).
         *     * `global`: every user's alerts **de-duplicated per spike**: alerts of the same exchange,
         *       market, symbol, second (`ts_ms`) and direction are one spike, counted once, with the
         *       largest move and volume any rule measured for it (rules with other windows measure it
         *       differently). Nothing identifies users or their rules.
         * @example {
         *       "avg_delta_pct": 2.1,
         *       "avg_volume_usd": 180000.5,
         *       "by_exchange_market": [
         *         {
         *           "count": 3,
         *           "exchange": "binance",
         *           "market": "spot"
         *         }
         *       ],
         *       "days": 2,
         *       "down": 1,
         *       "first_day": "2026-01-01",
         *       "from_ms": 1767214800000,
         *       "last_day": "2026-01-02",
         *       "per_day": [
         *         {
         *           "count": 1,
         *           "date": "2026-01-01"
         *         },
         *         {
         *           "count": 2,
         *           "date": "2026-01-02"
         *         }
         *       ],
         *       "scope": "me",
         *       "timezone": "Europe/Moscow",
         *       "to_ms": 1767387600000,
         *       "top_delta": [],
         *       "top_symbols": [
         *         {
         *           "base": "BTC",
         *           "count": 3,
         *           "exchange": "binance",
         *           "market": "spot",
         *           "symbol": "BTCUSDT"
         *         }
         *       ],
         *       "top_volume": [],
         *       "total": 3,
         *       "up": 2
         *     }
         */
        StatsResponse: {
            /**
             * Avg Delta Pct
             * @description Mean move, percent; null without alerts.
             */
            avg_delta_pct: number | null;
            /**
             * Avg Volume Usd
             * @description Mean USD volume of the alerts whose volume is known; null without any.
             */
            avg_volume_usd: number | null;
            /**
             * By Exchange Market
             * @description Most alerts first.
             */
            by_exchange_market: components["schemas"]["VenueCount"][];
            /** Days */
            days: number;
            /** Down */
            down: number;
            /**
             * First Day
             * Format: date
             */
            first_day: string;
            /**
             * From Ms
             * @description Start of the first day (epoch ms, inclusive).
             */
            from_ms: number;
            /**
             * Last Day
             * Format: date
             */
            last_day: string;
            /**
             * Per Day
             * @description Every day of the period, oldest first.
             */
            per_day: components["schemas"]["DayCount"][];
            /**
             * Scope
             * @enum {string}
             */
            scope: "me" | "global";
            /**
             * Timezone
             * @description IANA zone the days are counted in.
             */
            timezone: string;
            /**
             * To Ms
             * @description End of the last day (epoch ms, exclusive).
             */
            to_ms: number;
            /**
             * Top Delta
             * @description Largest moves first.
             */
            top_delta: components["schemas"]["TopSpike"][];
            /**
             * Top Symbols
             * @description Most alerts first.
             */
            top_symbols: components["schemas"]["SymbolCount"][];
            /**
             * Top Volume
             * @description Largest USD volumes first.
             */
            top_volume: components["schemas"]["TopSpike"][];
            /** Total */
            total: number;
            /** Up */
            up: number;
        };
        /**
         * Strategy
         * @description A named set of AND-ed conditions with its own message and destinations.
         *
         *     ``use_global_thresholds``: the user's groups/overrides must match too (their window size is
         *     used); otherwise the strategy stands alone on its conditions and ``window_s`` (it then needs a
         *     delta condition with ``min_pct``).
         */
        Strategy: {
            /**
             * Chart
             * @default true
             */
            chart: boolean;
            /** Conditions */
            conditions?: (components["schemas"]["DeltaCondition"] | components["schemas"]["VolumeCondition"] | components["schemas"]["WickCondition"] | components["schemas"]["DirectionCondition"] | components["schemas"]["SymbolsCondition"] | components["schemas"]["MarketsCondition"] | components["schemas"]["SeriesCondition"])[];
            /**
             * Cooldown S
             * @description None = the user's.
             */
            cooldown_s?: number | null;
            /** Destinations */
            destinations?: ("telegram" | "email" | "webhook" | "browser")[];
            /**
             * Enabled
             * @default true
             */
            enabled: boolean;
            /** Name */
            name: string;
            /**
             * Template
             * @description None = the user's template.
             */
            template?: string | null;
            /**
             * Use Global Thresholds
             * @default true
             */
            use_global_thresholds: boolean;
            /**
             * Window S
             * @description Window when not using global thresholds.
             * @default 1
             */
            window_s: number;
        };
        /** SymbolCount */
        SymbolCount: {
            /** Base */
            base: string;
            /** Count */
            count: number;
            /** Exchange */
            exchange: string;
            /** Market */
            market: string;
            /** Symbol */
            symbol: string;
        };
        /**
         * SymbolOverride
         * @description Thresholds for one symbol (``ETHUSDT@binance_futures``) or one coin everywhere (``ETH``).
         */
        SymbolOverride: {
            /**
             * Chart
             * @description Attach a chart to the alert.
             * @default true
             */
            chart: boolean;
            /**
             * Enabled
             * @description false mutes this symbol/coin.
             * @default true
             */
            enabled: boolean;
            /**
             * Min Delta Pct
             * @description Minimum move from the window's open, percent.
             * @default 3
             */
            min_delta_pct: number;
            /**
             * Min Volume Usd
             * @description Minimum quote volume of the window, in USD (0 = no minimum).
             * @default 0
             */
            min_volume_usd: number;
            /**
             * Min Wick Pct
             * @description Minimum share of the range that is wick, percent.
             * @default 0
             */
            min_wick_pct: number;
            /**
             * Symbol
             * @description Coin (ETH), pair on every feed (ETHUSDT) or full symbol (ETHUSDT@binance_futures, any venue's spelling).
             */
            symbol: string;
            /**
             * Window S
             * @description Rolling window over the last N closed 1-second candles.
             * @default 1
             */
            window_s: number;
        };
        /**
         * SymbolPublic
         * @example {
         *       "base": "BTC",
         *       "exchange": "binance",
         *       "last_candle_ms": 1767225600000,
         *       "market": "spot",
         *       "quote": "USDT",
         *       "symbol": "BTCUSDT"
         *     }
         */
        SymbolPublic: {
            /** Base */
            base: string;
            /** Exchange */
            exchange: string;
            /**
             * Last Candle Ms
             * @description Start of the newest stored 1-minute candle.
             */
            last_candle_ms: number | null;
            /** Market */
            market: string;
            /**
             * Quote
             * @description "" when the spelling does not tell.
             */
            quote: string;
            /** Symbol */
            symbol: string;
        };
        /**
         * SymbolsCondition
         * @description Only these coins / full symbols.
         */
        SymbolsCondition: {
            /** Symbols */
            symbols: string[];
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "symbols";
        };
        /**
         * SystemStatus
         * @example {
         *       "database": {
         *         "backend": "sqlite",
         *         "latency_ms": 0.8,
         *         "ok": true
         *       },
         *       "environment": "production",
         *       "errors_24h": 3,
         *       "outbox": {
         *         "by_status": {
         *           "failed": 1,
         *           "pending": 2,
         *           "sent": 1200
         *         },
         *         "oldest_pending_at": "2026-01-01T00:59:58Z"
         *       },
         *       "processes": {
         *         "api_pid": 4242,
         *         "dispatchers": [
         *           "host-1:4243"
         *         ],
         *         "feeds_reporting": 12,
         *         "feeds_total": 12,
         *         "roles_here": [
         *           "api"
         *         ]
         *       },
         *       "python": "3.11.9",
         *       "redis": {
         *         "configured": true,
         *         "latency_ms": 0.3,
         *         "ok": true
         *       },
         *       "started_at": "2026-01-01T00:00:00Z",
         *       "uptime_s": 3600,
         *       "version": "0.1.0"
         *     }
         */
        SystemStatus: {
            database: components["schemas"]["DatabaseStatus"];
            /** Environment */
            environment: string;
            /**
             * Errors 24H
             * @description Error-log entries of the last 24 hours.
             */
            errors_24h: number;
            outbox: components["schemas"]["OutboxStatus"];
            processes: components["schemas"]["ProcessesStatus"];
            /** Python */
            python: string;
            redis: components["schemas"]["RedisStatus"];
            /**
             * Started At
             * Format: date-time
             * @description When this API process started.
             */
            started_at: string;
            /** Uptime S */
            uptime_s: number;
            /** Version */
            version: string;
        };
        /** TelegramChannelCreate */
        TelegramChannelCreate: {
            config: components["schemas"]["TelegramConfig"];
            /**
             * Enabled
             * @default true
             */
            enabled: boolean;
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            kind: "telegram";
            /** Name */
            name: string;
            /**
             * Secret
             * Format: password
             * @description The bot token from @BotFather; write-only.
             */
            secret: string;
        };
        /**
         * TelegramConfig
         * @description A chat reached through the user's own bot (service-bot chats are linked with
         *     ``/start <code>`` in Telegram, never created here).
         */
        TelegramConfig: {
            /**
             * Bot
             * @default own
             * @constant
             */
            bot: "own";
            /**
             * Chat Id
             * @description Numeric chat id, or `@channelname` of a public channel.
             */
            chat_id: number | string;
            /** Title */
            title?: string | null;
        };
        /**
         * TelegramLink
         * @description A one-time code that links a Telegram chat to your account (valid 15 minutes, single
         *     use): open ``deep_link`` for a private chat, or send ``/start <code>`` in a group or channel
         *     where the bot is a member.
         * @example {
         *       "code": "Xb3k9QmPz1LwT7aC",
         *       "deep_link": "https://t.me/wickwatch_bot?start=Xb3k9QmPz1LwT7aC",
         *       "expires_at": "2026-01-02T03:19:05Z",
         *       "expires_in_s": 900
         *     }
         */
        TelegramLink: {
            /** Code */
            code: string;
            /** Deep Link */
            deep_link: string;
            /**
             * Expires At
             * Format: date-time
             */
            expires_at: string;
            /**
             * Expires In S
             * @description Seconds the code is valid from now: count down from when the answer arrives (a client's clock may be minutes off the server's `expires_at`).
             */
            expires_in_s: number;
        };
        /**
         * ThresholdGroup
         * @description Thresholds for one exchange × market × quote (``*`` = any).
         */
        ThresholdGroup: {
            /**
             * Chart
             * @description Attach a chart to the alert.
             * @default true
             */
            chart: boolean;
            /**
             * Enabled
             * @description false mutes everything this group covers.
             * @default true
             */
            enabled: boolean;
            /**
             * Exchange
             * @default *
             * @enum {string}
             */
            exchange: "binance" | "bybit" | "okx" | "bitget" | "gate" | "hyperliquid" | "*";
            /**
             * Market
             * @default *
             * @enum {string}
             */
            market: "spot" | "futures" | "*";
            /**
             * Min Delta Pct
             * @description Minimum move from the window's open, percent.
             * @default 3
             */
            min_delta_pct: number;
            /**
             * Min Volume Usd
             * @description Minimum quote volume of the window, in USD (0 = no minimum).
             * @default 0
             */
            min_volume_usd: number;
            /**
             * Min Wick Pct
             * @description Minimum share of the range that is wick, percent.
             * @default 0
             */
            min_wick_pct: number;
            /**
             * Name
             * @description Label shown as the alert's rule.
             */
            name?: string | null;
            /**
             * Quote
             * @description Quote currency (USDT, BTC…) or *.
             * @default *
             */
            quote: string;
            /**
             * Window S
             * @description Rolling window over the last N closed 1-second candles.
             * @default 1
             */
            window_s: number;
        };
        /**
         * TokenResponse
         * @example {
         *       "access_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.x",
         *       "csrf_token": "q1b2c3...",
         *       "expires_at": "2026-01-02T03:19:05Z",
         *       "expires_in": 900,
         *       "refresh_expires_at": "2026-02-01T03:04:05Z",
         *       "token_type": "bearer",
         *       "user": {
         *         "created_at": "2026-01-02T03:04:05Z",
         *         "display_name": "Ada",
         *         "email": "ada@example.com",
         *         "id": 1,
         *         "is_active": true,
         *         "locale": "en",
         *         "role": "user"
         *       }
         *     }
         */
        TokenResponse: {
            /** Access Token */
            access_token: string;
            /**
             * Csrf Token
             * @description With cookie refresh: send it as `X-CSRF-Token` to refresh and log out.
             */
            csrf_token: string | null;
            /**
             * Expires At
             * Format: date-time
             */
            expires_at: string;
            /**
             * Expires In
             * @description Seconds until the access token expires.
             */
            expires_in: number;
            /**
             * Refresh Expires At
             * Format: date-time
             */
            refresh_expires_at: string;
            /**
             * Refresh Token
             * @description Only when `refresh_in` was `body`; otherwise it is in an httpOnly cookie.
             */
            refresh_token: string | null;
            /**
             * Token Type
             * @default bearer
             * @constant
             */
            token_type: "bearer";
            user: components["schemas"]["UserPublic"];
        };
        /**
         * TopSpike
         * @description One of the largest spikes of the period.
         */
        TopSpike: {
            /**
             * Alert Id
             * @description Your alert (scope `me`); null for `global`.
             */
            alert_id: number | null;
            /** Base */
            base: string;
            /** Delta Pct */
            delta_pct: number;
            /**
             * Direction
             * @enum {string}
             */
            direction: "up" | "down";
            /** Exchange */
            exchange: string;
            /** Market */
            market: string;
            /**
             * Price
             * @example 65000.5
             */
            price: string;
            /** Symbol */
            symbol: string;
            /** Ts Ms */
            ts_ms: number;
            /**
             * Volume Usd
             * @description Null when the USD volume is unknown.
             */
            volume_usd: string | null;
        };
        /**
         * UserCreate
         * @description An account created by an admin.
         * @example {
         *       "email": "bob@example.com",
         *       "password": "a long passphrase here",
         *       "role": "user"
         *     }
         */
        UserCreate: {
            /** Display Name */
            display_name?: string | null;
            /**
             * Email
             * Format: email
             */
            email: string;
            /**
             * Password
             * @description 10 to 256 characters, not a common password.
             */
            password: string;
            /**
             * Role
             * @default user
             * @enum {string}
             */
            role: "admin" | "user";
        };
        /**
         * UserPublic
         * @description An account as its owner and admins see it.
         * @example {
         *       "created_at": "2026-01-02T03:04:05Z",
         *       "display_name": "Ada",
         *       "email": "ada@example.com",
         *       "id": 1,
         *       "is_active": true,
         *       "locale": "en",
         *       "role": "user"
         *     }
         */
        UserPublic: {
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /** Display Name */
            display_name: string | null;
            /** Email */
            email: string;
            /** Id */
            id: number;
            /** Is Active */
            is_active: boolean;
            /** Last Login At */
            last_login_at: string | null;
            /** Locale */
            locale: string;
            /**
             * Role
             * @enum {string}
             */
            role: "admin" | "user";
        };
        /**
         * UserRegister
         * @description Sign-up; ``invite_code`` is required when registration is by invite.
         * @example {
         *       "display_name": "Ada",
         *       "email": "ada@example.com",
         *       "invite_code": "wwi_Zm9vYmFyYmF6cXV4cXV1eA",
         *       "password": "correct horse battery staple"
         *     }
         */
        UserRegister: {
            /** Display Name */
            display_name?: string | null;
            /**
             * Email
             * Format: email
             */
            email: string;
            /** Invite Code */
            invite_code?: string | null;
            /**
             * Password
             * @description 10 to 256 characters, not a common password.
             */
            password: string;
        };
        /**
         * UserSettings
         * @description One user's whole rules document.
         * @example {
         *       "blacklist": [
         *         "LUNA",
         *         "USTCUSDT@binance_spot"
         *       ],
         *       "cooldown_s": 60,
         *       "destinations": [
         *         "browser",
         *         "telegram"
         *       ],
         *       "enabled": true,
         *       "message_template": "{exchange_market_short} {symbol} {delta_formatted} {direction} · wick {wick_formatted} · vol {volume_formatted} · {price} · {time}",
         *       "overrides": [
         *         {
         *           "min_delta_pct": 0.8,
         *           "min_volume_usd": 1000000,
         *           "symbol": "BTCUSDT@binance_futures",
         *           "window_s": 3
         *         },
         *         {
         *           "enabled": false,
         *           "symbol": "PEPE"
         *         }
         *       ],
         *       "strategies": [
         *         {
         *           "conditions": [
         *             {
         *               "min_pct": 5,
         *               "type": "delta"
         *             },
         *             {
         *               "direction": "down",
         *               "type": "direction"
         *             },
         *             {
         *               "min_usd": 100000,
         *               "type": "volume"
         *             },
         *             {
         *               "count": 3,
         *               "type": "series",
         *               "within_s": 3600
         *             }
         *           ],
         *           "destinations": [
         *             "telegram"
         *           ],
         *           "name": "Repeated dumps",
         *           "template": "{symbol} dumped {delta_formatted} ({series_count} in 1h) {link}",
         *           "use_global_thresholds": false,
         *           "window_s": 10
         *         }
         *       ],
         *       "switches": {
         *         "hyperliquid": {
         *           "futures": true,
         *           "spot": false
         *         }
         *       },
         *       "thresholds": [
         *         {
         *           "chart": true,
         *           "exchange": "*",
         *           "market": "*",
         *           "min_delta_pct": 3,
         *           "min_volume_usd": 20000,
         *           "min_wick_pct": 0,
         *           "quote": "*",
         *           "window_s": 5
         *         },
         *         {
         *           "exchange": "binance",
         *           "market": "spot",
         *           "min_delta_pct": 2,
         *           "min_volume_usd": 5000,
         *           "name": "BTC pairs",
         *           "quote": "BTC",
         *           "window_s": 10
         *         }
         *       ],
         *       "timezone": "Europe/Berlin"
         *     }
         */
        UserSettings: {
            /** Blacklist */
            blacklist?: string[];
            /**
             * Cooldown S
             * @description Per symbol; 0 = no cooldown.
             * @default 60
             */
            cooldown_s: number;
            /**
             * Destinations
             * @description Channels of the threshold alerts.
             */
            destinations?: ("telegram" | "email" | "webhook" | "browser")[];
            /**
             * Enabled
             * @description Pause every spike alert of this user.
             * @default true
             */
            enabled: boolean;
            /**
             * Message Template
             * @default {exchange_market_short} {symbol} {delta_formatted} {direction} · wick {wick_formatted} · vol {volume_formatted} · {price} · {time}
             */
            message_template: string;
            /** Overrides */
            overrides?: components["schemas"]["SymbolOverride"][];
            /**
             * Schema Version
             * @default 1
             * @constant
             */
            schema_version: 1;
            /** Strategies */
            strategies?: components["schemas"]["Strategy"][];
            /**
             * @default {
             *       "binance": {
             *         "futures": true,
             *         "spot": true
             *       },
             *       "bybit": {
             *         "futures": true,
             *         "spot": true
             *       },
             *       "okx": {
             *         "futures": true,
             *         "spot": true
             *       },
             *       "bitget": {
             *         "futures": true,
             *         "spot": true
             *       },
             *       "gate": {
             *         "futures": true,
             *         "spot": true
             *       },
             *       "hyperliquid": {
             *         "futures": true,
             *         "spot": true
             *       }
             *     }
             */
            switches: components["schemas"]["MarketSwitches"];
            /**
             * Threshold Alerts
             * @description Send alerts of the groups/overrides themselves; false = they only serve strategies with use_global_thresholds.
             * @default true
             */
            threshold_alerts: boolean;
            /** Thresholds */
            thresholds?: components["schemas"]["ThresholdGroup"][];
            /**
             * Timezone
             * @description IANA name, e.g. Europe/Berlin.
             * @default UTC
             */
            timezone: string;
            /**
             * Whitelist
             * @description If set, only these coins/symbols alert.
             */
            whitelist?: string[] | null;
        };
        /**
         * UserUpdate
         * @description Fields an admin may change; disabling ends every session of the account.
         * @example {
         *       "is_active": false
         *     }
         */
        UserUpdate: {
            /** Display Name */
            display_name?: string | null;
            /** Is Active */
            is_active?: boolean | null;
            /** Role */
            role?: ("admin" | "user") | null;
        };
        /** VenueCount */
        VenueCount: {
            /** Count */
            count: number;
            /** Exchange */
            exchange: string;
            /** Market */
            market: string;
        };
        /**
         * VolumeCondition
         * @description The window's USD volume is at least ``min_usd``.
         */
        VolumeCondition: {
            /** Min Usd */
            min_usd: number;
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "volume";
        };
        /** WebhookChannelCreate */
        WebhookChannelCreate: {
            config: components["schemas"]["WebhookConfig"];
            /**
             * Enabled
             * @default true
             */
            enabled: boolean;
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            kind: "webhook";
            /** Name */
            name: string;
            /**
             * Secret
             * Format: password
             * @description Signing key for `X-Wickwatch-Signature`; write-only.
             */
            secret: string;
        };
        /** WebhookConfig */
        WebhookConfig: {
            /**
             * Url
             * Format: uri
             * @description Receives signed JSON POSTs.
             */
            url: string;
        };
        /**
         * WickCondition
         * @description The window's wick share is at least ``min_pct``.
         */
        WickCondition: {
            /** Min Pct */
            min_pct: number;
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "wick";
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    "admin:list_errors": {
        parameters: {
            query?: {
                /** @description `next_cursor` of the previous page. */
                cursor?: string | null;
                /** @description Only this level. */
                level?: ("DEBUG" | "INFO" | "WARNING" | "ERROR" | "CRITICAL") | null;
                /** @description Entries per page. */
                limit?: number;
                /** @description Only this logger and its children (`wickwatch.notify`). */
                logger?: string | null;
                /** @description Text in the message or exception. */
                q?: string | null;
                /** @description From this time (ISO 8601, inclusive; UTC if bare). */
                since?: string | null;
                /** @description Before this time (ISO 8601, exclusive). */
                until?: string | null;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CursorPage_ErrorLogPublic_"];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not allowed for this account */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "admin:delete_old_errors": {
        parameters: {
            query: {
                /** @description Delete entries older than this (ISO 8601; UTC if bare). */
                before: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Deleted"];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not allowed for this account */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "admin:delete_error": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Error-log entry id. */
                error_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not allowed for this account */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not found (also for objects of other users) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "admin:exchange_stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ExchangeStatsAdmin"][];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not allowed for this account */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "admin:list_invites": {
        parameters: {
            query?: {
                /** @description Items per page. */
                limit?: number;
                /** @description Items to skip. */
                offset?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Page_InvitePublic_"];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not allowed for this account */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "admin:create_invite": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["InviteCreate"];
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["InviteCreated"];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not allowed for this account */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "admin:delete_invite": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Invite id. */
                invite_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not allowed for this account */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not found (also for objects of other users) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "admin:system_status": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SystemStatus"];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not allowed for this account */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "admin:list_users": {
        parameters: {
            query?: {
                /** @description Items per page. */
                limit?: number;
                /** @description Items to skip. */
                offset?: number;
                /** @description Part of e-mail or name. */
                q?: string | null;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Page_UserPublic_"];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not allowed for this account */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "admin:create_user": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UserCreate"];
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserPublic"];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not allowed for this account */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Conflicts with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "admin:get_user": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description User id. */
                user_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserPublic"];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not allowed for this account */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not found (also for objects of other users) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "admin:delete_user": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description User id. */
                user_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not allowed for this account */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not found (also for objects of other users) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Conflicts with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "admin:update_user": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description User id. */
                user_id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UserUpdate"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserPublic"];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not allowed for this account */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not found (also for objects of other users) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Conflicts with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "alerts:list_alerts": {
        parameters: {
            query?: {
                /** @description Only alerts newer than this id (catching up). */
                after_id?: number | null;
                /** @description Only this base coin (`BTC`). */
                coin?: string | null;
                /** @description `next_cursor` of the previous page. */
                cursor?: string | null;
                /** @description Up or down. */
                direction?: ("up" | "down") | null;
                /** @description Only this exchange. */
                exchange?: ("binance" | "bybit" | "okx" | "bitget" | "gate" | "hyperliquid") | null;
                /** @description Spike time from (epoch ms, inclusive). */
                from_ms?: number | null;
                /** @description Alerts per page. */
                limit?: number;
                /** @description Only this market. */
                market?: ("spot" | "futures") | null;
                /** @description Largest move, percent. */
                max_delta_pct?: number | null;
                /** @description Largest USD volume. */
                max_volume_usd?: number | string | null;
                /** @description Smallest move, percent. */
                min_delta_pct?: number | null;
                /** @description Smallest USD volume. */
                min_volume_usd?: number | string | null;
                /** @description Only this strategy. */
                strategy?: string | null;
                /** @description Only this symbol (`BTCUSDT`). */
                symbol?: string | null;
                /** @description Spike time until (epoch ms, exclusive). */
                to_ms?: number | null;
                /** @description true: only unread; false: only read. */
                unread?: boolean | null;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AlertsPage"];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "alerts:clear_alerts": {
        parameters: {
            query?: {
                /** @description Only alerts with this id or lower (the newest one you have seen), so alerts that arrive meanwhile are left alone. */
                up_to_id?: number | null;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Affected"];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "alerts:get_alert": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Alert id. */
                alert_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AlertPublic"];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not found (also for objects of other users) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "alerts:delete_alert": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Alert id. */
                alert_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not found (also for objects of other users) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "alerts:alert_candles": {
        parameters: {
            query?: {
                /** @description Minutes after the spike (1-minute history). */
                after_min?: number;
                /** @description Minutes before the spike (1-minute history). */
                before_min?: number;
            };
            header?: never;
            path: {
                /** @description Alert id. */
                alert_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AlertCandles"];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not found (also for objects of other users) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "alerts:mark_read": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Alert id. */
                alert_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AlertPublic"];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not found (also for objects of other users) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "alerts:mark_all_read": {
        parameters: {
            query?: {
                /** @description Only alerts with this id or lower (the newest one you have seen), so alerts that arrive meanwhile are left alone. */
                up_to_id?: number | null;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Affected"];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "auth:login": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["LoginRequest"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TokenResponse"];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not allowed for this account */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "auth:logout": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["RefreshRequest"] | null;
            };
        };
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not allowed for this account */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "auth:logout_all": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "auth:get_me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserPublic"];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "auth:update_me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ProfileUpdate"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserPublic"];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "auth:change_password": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PasswordChange"];
            };
        };
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "auth:refresh": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["RefreshRequest"] | null;
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TokenResponse"];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not allowed for this account */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "auth:register": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UserRegister"];
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserPublic"];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not allowed for this account */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Conflicts with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "auth:list_sessions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionPublic"][];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "auth:revoke_session": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Session id. */
                session_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not found (also for objects of other users) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "markets:list_candles": {
        parameters: {
            query: {
                /** @description Exchange. */
                exchange: "binance" | "bybit" | "okx" | "bitget" | "gate" | "hyperliquid";
                /** @description Start (epoch ms, inclusive); default `to_ms` − 1 h. */
                from_ms?: number | null;
                /** @description `spot` or `futures`. */
                market: "spot" | "futures";
                /** @description Symbol as the venue writes it: `BTCUSDT`. */
                symbol: string;
                /** @description Candle length: `1m` (stored), or `5m`, `15m`, `1h`, `4h`, `1d` aggregated from the minutes in buckets aligned to UTC (open of the first minute, close of the last, extremes, sums). */
                tf?: "1m" | "5m" | "15m" | "1h" | "4h" | "1d";
                /** @description End (epoch ms, exclusive); default just after now. */
                to_ms?: number | null;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Candles"];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "channels:list_channels": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ChannelPublic"][];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "channels:create_channel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TelegramChannelCreate"] | components["schemas"]["EmailChannelCreate"] | components["schemas"]["WebhookChannelCreate"];
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ChannelPublic"];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Conflicts with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "channels:get_channel": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Channel id. */
                channel_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ChannelPublic"];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not found (also for objects of other users) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "channels:delete_channel": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Channel id. */
                channel_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not found (also for objects of other users) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "channels:update_channel": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Channel id. */
                channel_id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ChannelUpdate"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ChannelPublic"];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not found (also for objects of other users) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "channels:test_channel": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Channel id. */
                channel_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ChannelTestResult"];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not found (also for objects of other users) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "channels:link_telegram": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TelegramLink"];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description A dependency is unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "markets:list_markets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MarketStatus"][];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "price-alerts:list_price_alerts": {
        parameters: {
            query?: {
                /** @description Also deleted ones (they are listed alone at `/deleted`). */
                include_deleted?: boolean;
                /** @description Items per page. */
                limit?: number;
                /** @description Items to skip. */
                offset?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Page_PriceAlertPublic_"];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "price-alerts:create_price_alert": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PriceAlertCreate"];
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PriceAlertPublic"];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Conflicts with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "price-alerts:get_price_alert": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Price alert id. */
                price_alert_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PriceAlertPublic"];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not found (also for objects of other users) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "price-alerts:delete_price_alert": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Price alert id. */
                price_alert_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not found (also for objects of other users) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "price-alerts:update_price_alert": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Price alert id. */
                price_alert_id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PriceAlertUpdate"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PriceAlertPublic"];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not found (also for objects of other users) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Conflicts with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "price-alerts:price_history": {
        parameters: {
            query?: {
                /** @description `next_cursor` of the previous page. */
                cursor?: string | null;
                /** @description From (epoch ms, inclusive). */
                from_ms?: number | null;
                /** @description Candles per page. */
                limit?: number;
                /** @description Candle length: `1m` (stored), or `5m`, `15m`, `1h`, `4h`, `1d` aggregated from the minutes in buckets aligned to UTC (open of the first minute, close of the last, extremes, sums). */
                tf?: "1m" | "5m" | "15m" | "1h" | "4h" | "1d";
                /** @description Until (epoch ms, exclusive). */
                to_ms?: number | null;
            };
            header?: never;
            path: {
                /** @description Price alert id. */
                price_alert_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PriceHistoryPage"];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not found (also for objects of other users) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "price-alerts:price_history_csv": {
        parameters: {
            query?: {
                /** @description From (epoch ms, inclusive). */
                from_ms?: number | null;
                /** @description Candle length: `1m` (stored), or `5m`, `15m`, `1h`, `4h`, `1d` aggregated from the minutes in buckets aligned to UTC (open of the first minute, close of the last, extremes, sums). */
                tf?: "1m" | "5m" | "15m" | "1h" | "4h" | "1d";
                /** @description Until (epoch ms, exclusive). */
                to_ms?: number | null;
            };
            header?: never;
            path: {
                /** @description Price alert id. */
                price_alert_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description CSV, oldest first, exact decimals. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /** @example time_utc,ts_ms,open,high,low,close,… */
                    "text/csv": unknown;
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not found (also for objects of other users) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "price-alerts:restore_price_alert": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Price alert id. */
                price_alert_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PriceAlertPublic"];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not found (also for objects of other users) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Conflicts with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "price-alerts:list_deleted_price_alerts": {
        parameters: {
            query?: {
                /** @description Items per page. */
                limit?: number;
                /** @description Items to skip. */
                offset?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Page_PriceAlertPublic_"];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "markets:latest_price": {
        parameters: {
            query: {
                /** @description Exchange. */
                exchange: "binance" | "bybit" | "okx" | "bitget" | "gate" | "hyperliquid";
                /** @description `spot` or `futures`. */
                market: "spot" | "futures";
                /** @description Symbol as the venue writes it: `BTCUSDT`. */
                symbol: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LatestPrice"];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not found (also for objects of other users) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "settings:get_settings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SettingsEnvelope"];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "settings:put_settings": {
        parameters: {
            query?: never;
            header?: {
                /** @description The `ETag` you read (`"v3"`): refuse to overwrite a newer version (412). */
                "if-match"?: string | null;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UserSettings"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SettingsEnvelope"];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The object changed since it was read (`If-Match`) */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "settings:dry_run_settings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["DryRunRequest"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DryRunResult"];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "stats:get_stats": {
        parameters: {
            query?: {
                /** @description Only this base coin (`BTC`). */
                coin?: string | null;
                /** @description Whole local days, today included. */
                days?: number;
                /** @description Only this exchange. */
                exchange?: ("binance" | "bybit" | "okx" | "bitget" | "gate" | "hyperliquid") | null;
                /** @description Only this market. */
                market?: ("spot" | "futures") | null;
                /** @description `me`: your alerts; `global`: everyone's, one per spike. */
                scope?: "me" | "global";
                /** @description IANA zone to count days in; default the `timezone` of your settings. */
                tz?: string | null;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StatsResponse"];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "markets:search_symbol": {
        parameters: {
            query?: {
                /** @description Only this exchange. */
                exchange?: ("binance" | "bybit" | "okx" | "bitget" | "gate" | "hyperliquid") | null;
                /** @description Most results. */
                limit?: number;
                /** @description Only this market. */
                market?: ("spot" | "futures") | null;
                /** @description Part of the symbol or its base coin (`btc`, `ETHUSDT`); without it, every symbol in feed order. */
                q?: string | null;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SymbolPublic"][];
                };
            };
            /** @description Bad request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not signed in, or the access token is invalid, expired or revoked */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Invalid input; `details` names each field */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Rate limited; see `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "health:healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: string;
                    };
                };
            };
        };
    };
    "health:readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": unknown;
                };
            };
        };
    };
}
