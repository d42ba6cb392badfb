// Generated from the backend by `npm run gen:api`. Do not edit.

export type paths = Record<string, never>;
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /**
         * DeltaCondition
         * @description The window's delta is within ``[min_pct, max_pct]`` (both inclusive, either optional).
         */
        DeltaCondition: {
            /**
             * Max Pct
             * @default null
             */
            max_pct: number | null;
            /**
             * Min Pct
             * @default null
             */
            min_pct: number | null;
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
             * @default null
             */
            cooldown_s: number | null;
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
             * @default null
             */
            template: string | null;
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
             * @default null
             */
            name: string | null;
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
         *       "timezone": "Europe/Berlin",
         *       "whitelist": null
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
             * @default null
             */
            whitelist: string[] | null;
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
export type operations = Record<string, never>;
