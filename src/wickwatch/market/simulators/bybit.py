"""Bybit v5 simulator: ``/v5/public/spot|linear`` with ``publicTrade.<SYMBOL>`` topics,
``/v5/market/instruments-info`` (cursor-paginated) and ``/v5/market/recent-trade``.

Pre-market perpetuals (:meth:`BybitSimulator.pre_launch`) are listed, as by Bybit, only when
instruments-info is asked ``status=PreLaunch``, with their ``preListingInfo.curAuctionPhase``;
they trade (and may be subscribed) only in the ``ContinuousTrading`` phase."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

import orjson
from aiohttp import web

from wickwatch.market.simulators._market import SimInstrument, SimTrade
from wickwatch.market.simulators.base import ExchangeSimulator, SimLimits, SimSession

_PAGE = 25  # instruments per page, small so that the cursor is exercised


class BybitSimulator(ExchangeSimulator):
    exchange: ClassVar[str] = "bybit"
    limit_close_code: ClassVar[int] = 1008
    default_limits: ClassVar[dict[str, SimLimits]] = {
        "spot": SimLimits(streams_per_connection=500, args_per_request=10, connects_per_window=500),
        "futures": SimLimits(streams_per_connection=500, connects_per_window=500),
    }

    def __init__(self, market: str, config: Any = None) -> None:
        super().__init__(market, config)
        self.category = "spot" if market == "spot" else "linear"
        self.recent_max = 60 if market == "spot" else 1000
        self.ws_path = f"/v5/public/{self.category}"
        #: pre-market perpetuals: symbol → current ``curAuctionPhase``
        self.pre_market: dict[str, str] = {}

    def pre_launch(self, symbol: str, phase: str) -> None:
        """Make ``symbol`` a pre-market perpetual (``status: PreLaunch``) in auction ``phase``:
        trading, as on Bybit, only in ``ContinuousTrading``."""
        self.pre_market[symbol] = phase
        self.trading[symbol] = phase == "ContinuousTrading"

    def symbol_of(self, inst: SimInstrument) -> str:
        return inst.base + inst.quote

    def make_id(self, symbol: str, num: int, rng: Any) -> str:
        if self.market == "spot":
            return str(2_100_000_000_000_000_000 + num)
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    # -- REST --

    def rest_routes(self) -> list[tuple[str, Any]]:
        return [
            ("/v5/market/instruments-info", self._instruments),
            ("/v5/market/recent-trade", self._recent),
        ]

    def rate_limited_body(self) -> bytes:
        return b'{"retCode":10006,"retMsg":"Too many visits!","result":{},"time":0}'

    def _ok(self, result: dict[str, Any]) -> dict[str, Any]:
        return {"retCode": 0, "retMsg": "OK", "result": result, "retExtInfo": {}, "time": 0}

    def _instruments(self, request: web.Request) -> Any:
        pre = request.query.get("status") == "PreLaunch" and self.market != "spot"
        rows = []
        for symbol, inst in sorted(self.instruments.items()):
            phase = self.pre_market.get(symbol)
            if pre != (phase is not None):  # each list holds only its own status
                continue
            row: dict[str, Any] = {
                "symbol": symbol,
                "baseCoin": inst.base,
                "quoteCoin": inst.quote,
                "status": "Trading" if self.trading[symbol] else "Closed",
                "priceFilter": {"tickSize": inst.tick, "minPrice": inst.tick, "maxPrice": "999999"},
                "lotSizeFilter": {"basePrecision": "0.000001", "minOrderQty": "0.000001"},
            }
            if self.market != "spot":
                row["contractType"] = "LinearPerpetual"
                row["settleCoin"] = inst.quote
                row["isPreListing"] = phase is not None
                row["preListingInfo"] = None
            if phase is not None:
                row["status"] = "PreLaunch"
                row["preListingInfo"] = {
                    "curAuctionPhase": phase,
                    "phases": [{"phase": phase, "startTime": "0", "endTime": ""}],
                    "auctionFeeInfo": {"auctionFeeRate": "0", "takerFeeRate": "0.001"},
                }
            rows.append(row)
        start = int(request.query.get("cursor") or 0)
        page = rows[start : start + _PAGE]
        cursor = str(start + _PAGE) if start + _PAGE < len(rows) else ""
        return self._ok({"category": self.category, "list": page, "nextPageCursor": cursor})

    def _recent(self, request: web.Request) -> Any:
        down = self.history_unavailable()
        if down is not None:
            return down
        symbol = request.query.get("symbol", "")
        if symbol not in self.instruments:
            return {"retCode": 10001, "retMsg": "Not supported symbols", "result": {}, "time": 0}
        limit = min(self.recent_max, int(request.query.get("limit", "60")))
        return self.history_payload(symbol, list(reversed(self.log.latest(symbol, limit))))

    def history_payload(self, symbol: str, trades: list[SimTrade]) -> Any:
        rows = [
            {
                "execId": t.trade_id,
                "symbol": symbol,
                "price": t.price,
                "size": t.size,
                "side": "Buy" if t.side == "buy" else "Sell",
                "time": str(t.ts_ms),
                "isBlockTrade": False,
            }
            for t in reversed(trades)  # newest first
        ]
        return self._ok({"category": self.category, "list": rows})

    # -- WebSocket --

    async def _answer(self, session: SimSession, op: str, req_id: Any, ok: bool, msg: str) -> None:
        answer = {"success": ok, "ret_msg": msg, "conn_id": f"sim-{session.id}", "op": op}
        if req_id is not None:
            answer["req_id"] = req_id
        await session.send(orjson.dumps(answer).decode())

    async def on_message(self, session: SimSession, text: str) -> None:
        try:
            msg = orjson.loads(text)
            op, req_id, args = msg["op"], msg.get("req_id"), msg.get("args") or []
        except (orjson.JSONDecodeError, KeyError, TypeError):
            await self._answer(session, "", None, False, "error:invalid json")
            return
        if op == "ping":
            await self._answer(session, "ping", req_id, True, "pong")
            return
        if op not in ("subscribe", "unsubscribe"):
            await self._answer(session, op, req_id, False, f"error:unknown op {op}")
            return
        self.count_sub_op(session, len(args))
        symbols = [a.partition(".")[2] for a in args]
        if op == "unsubscribe":
            session.subscribed.difference_update(symbols)
            await self._answer(session, op, req_id, True, "")
            return
        chars = sum(len(a) + 3 for a in args) + sum(len(s) + 15 for s in session.subscribed)
        why = self.check_args(session, len(args))
        if why is None and chars > 21_000:
            why = "args length exceeds 21000 characters"
            self.violations.append(f"session {session.id}: {why}")
        if why is not None:
            await self._answer(session, op, req_id, False, f"error:{why}")
            return
        bad = [a for a, s in zip(args, symbols, strict=True) if not self.subscribable(s)]
        if bad:
            await self._answer(session, op, req_id, False, f"Invalid symbol :[{','.join(bad)}]")
            return
        session.subscribed.update(symbols)
        await self._answer(session, op, req_id, True, "subscribe")

    def trade_frames(self, symbol: str, trades: list[SimTrade]) -> list[str]:
        rows = []
        for t in trades:
            row: dict[str, Any] = {
                "T": t.ts_ms,
                "s": symbol,
                "S": "Buy" if t.side == "buy" else "Sell",
                "v": t.size,
                "p": t.price,
                "i": t.trade_id,
                "BT": False,
                "seq": t.num,
            }
            if self.market != "spot":
                row["L"] = "PlusTick"
            rows.append(row)
        ts = trades[-1].ts_ms
        frame = {"topic": f"publicTrade.{symbol}", "type": "snapshot", "ts": ts, "data": rows}
        return [orjson.dumps(frame).decode()]

    def malformed_frame(self) -> str:
        return (
            '{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1,'
            '"data":[{"T":"x","s":"BTCUSDT","S":"Up","v":"-1"}]}'
        )
