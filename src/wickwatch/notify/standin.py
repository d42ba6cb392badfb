"""A local stand-in for the Telegram Bot API: the tests, the demo and the benchmark talk to it
instead of api.telegram.org (``WICKWATCH_TELEGRAM_API_URL``).

It serves ``POST|GET /bot<token>/<method>`` on 127.0.0.1 (an ephemeral port by default) with the
methods aiogram uses — ``getMe``, ``sendMessage``, ``sendPhoto`` (multipart), ``getUpdates``
(long polling over injected updates), ``setMyCommands``, ``deleteWebhook``, ``getChat``,
``getChatMember`` (admins from :attr:`TelegramStandIn.chat_admins`) — answers
like Telegram (``{"ok": true, "result": …}`` or ``{"ok": false, "error_code", "description",
"parameters"}``), and records every request exactly (:class:`Call`: method, token, chat id, text,
parse mode, caption, photo bytes, all parameters, arrival time).

On demand it answers 429 with ``retry_after`` (:meth:`TelegramStandIn.fail_next`), rejects
invalid HTML and over-long texts like Telegram, and watches Telegram's flood limits: more than one
message per second to a private chat, more than 20 per minute to a group or channel, more than 30
per second per bot are recorded in :attr:`TelegramStandIn.violations` (and, with
``enforce_limits``, answered with 429 as Telegram would).

    async with TelegramStandIn() as api:
        bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(api.url)))
        ...
        api.messages()            # successful sendMessage/sendPhoto calls
        api.push_message(chat_id=42, text="/start CODE")   # an update for getUpdates

``GET /_standin/messages[?chat_id=…]`` shows the successful sends as JSON, read-only, for
processes that did not start the stand-in (the browser tests of ``wickwatch demo``).

Run alone: ``python -m wickwatch.notify.standin --port 8081``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import logging
import time
from collections import defaultdict, deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web

from wickwatch.notify.templates import (
    CAPTION_LIMIT,
    TEXT_LIMIT,
    html_to_text,
    telegram_html_problem,
    visible_length,
)

log = logging.getLogger(__name__)

SEND_METHODS = frozenset({"sendmessage", "sendphoto"})


@dataclass(frozen=True, slots=True)
class Call:
    """One request the stand-in received."""

    method: str
    token: str
    params: dict[str, str]
    photo: bytes | None
    at: float  #: ``time.monotonic()`` on arrival
    wall: float  #: ``time.time()`` on arrival
    status: int  #: the HTTP status answered
    message_id: int | None = None

    @property
    def chat_id(self) -> str | None:
        return self.params.get("chat_id")

    @property
    def text(self) -> str | None:
        return self.params.get("text")

    @property
    def caption(self) -> str | None:
        return self.params.get("caption")

    @property
    def parse_mode(self) -> str | None:
        return self.params.get("parse_mode")

    @property
    def body(self) -> str:
        """The message text or photo caption."""
        return self.params.get("text") or self.params.get("caption") or ""

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass(frozen=True, slots=True)
class Violation:
    """A message Telegram would have refused for flooding."""

    rule: str  #: ``chat_1s``, ``group_20_per_min``, ``bot_30_per_s``
    token: str
    chat_id: str
    at: float


@dataclass
class _Failure:
    method: str | None
    chat_id: str | None
    status: int
    description: str
    retry_after: int | None
    migrate_to_chat_id: int | None
    remaining: int


def _bot_id(token: str) -> int:
    head = token.partition(":")[0]
    return int(head) if head.isdigit() else 0


def _chat_type(chat_id: str) -> str:
    try:
        number = int(chat_id)
    except ValueError:
        return "channel"  # @username
    if number > 0:
        return "private"
    return "supergroup" if str(number).startswith("-100") else "group"


@dataclass
class TelegramStandIn:
    """The stand-in server; ``await start()`` (or ``async with``) and use :attr:`url`."""

    host: str = "127.0.0.1"
    port: int = 0
    #: Tokens that exist (None = any well-formed ``<digits>:<secret>`` token).
    tokens: set[str] | None = None
    #: Answer flood-limit violations with 429 (they are always recorded).
    enforce_limits: bool = False
    #: Clock slack allowed when checking the limits (network and scheduling jitter).
    tolerance_s: float = 0.05
    blocked_chats: set[str] = field(default_factory=set)
    missing_chats: set[str] = field(default_factory=set)
    #: Delay before answering a send (to model a slow Telegram).
    send_delay_s: float = 0.0
    #: Administrators of each group (chat id → user ids); everyone else is a plain member.
    #: The first id of a chat is its creator.
    chat_admins: dict[str, list[int]] = field(default_factory=dict)

    calls: list[Call] = field(default_factory=list, init=False)
    violations: list[Violation] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self._runner: web.AppRunner | None = None
        self._message_ids = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._updates: list[dict[str, Any]] = []
        self._updates_changed = asyncio.Condition()
        self._failures: list[_Failure] = []
        self._chat_sends: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._bot_sends: dict[str, deque[float]] = defaultdict(deque)
        self._chats: dict[str, dict[str, Any]] = {}
        self._closing = False
        self.url = ""

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/_standin/messages", self._inspect)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self.url = f"http://{self.host}:{self.port}"
        log.info("Telegram Bot API stand-in on %s", self.url)
        return self.url

    async def stop(self) -> None:
        self._closing = True
        async with self._updates_changed:
            self._updates_changed.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> TelegramStandIn:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # --- test controls -----------------------------------------------------------------------

    def fail_next(
        self,
        *,
        method: str | None = "sendMessage",
        chat_id: int | str | None = None,
        retry_after: int | None = 1,
        status: int = 429,
        description: str | None = None,
        migrate_to_chat_id: int | None = None,
        count: int = 1,
    ) -> None:
        """Answer the next ``count`` matching calls with an error (default: 429 retry after 1s)."""
        if description is None:
            description = {
                429: f"Too Many Requests: retry after {retry_after}",
                400: "Bad Request: chat not found",
                403: "Forbidden: bot was blocked by the user",
                500: "Internal Server Error",
            }.get(status, "Error")
        self._failures.append(
            _Failure(
                method=method.lower() if method else None,
                chat_id=None if chat_id is None else str(chat_id),
                status=status,
                description=description,
                retry_after=retry_after if status == 429 else None,
                migrate_to_chat_id=migrate_to_chat_id,
                remaining=count,
            )
        )

    def register_chat(
        self, chat_id: int | str, *, type: str | None = None, title: str = ""
    ) -> None:
        chat = str(chat_id)
        self._chats[chat] = {"id": _as_id(chat), "type": type or _chat_type(chat)}
        if title:
            self._chats[chat]["title"] = title

    def push_update(self, update: Mapping[str, Any]) -> int:
        """Queue a raw update for ``getUpdates``; returns its ``update_id``."""
        update_id = next(self._update_ids)
        self._updates.append({**update, "update_id": update_id})
        asyncio.get_running_loop().create_task(self._notify_updates())
        return update_id

    def push_message(
        self,
        *,
        chat_id: int,
        text: str,
        user_id: int | None = None,
        chat_type: str | None = None,
        title: str | None = None,
    ) -> int:
        """Queue a message (or, for ``chat_type="channel"``, a channel post) someone wrote to the
        bot, with ``bot_command`` entities like Telegram's."""
        kind = chat_type or _chat_type(str(chat_id))
        chat: dict[str, Any] = {"id": chat_id, "type": kind}
        if kind == "private":
            chat["first_name"] = "Tester"
        else:
            chat["title"] = title or f"Chat {chat_id}"
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        if kind == "channel":
            message["sender_chat"] = chat
            return self.push_update({"channel_post": message})
        message["from"] = {"id": user_id or abs(chat_id), "is_bot": False, "first_name": "Tester"}
        return self.push_update({"message": message})

    async def _notify_updates(self) -> None:
        async with self._updates_changed:
            self._updates_changed.notify_all()

    # --- views -------------------------------------------------------------------------------

    def messages(self, chat_id: int | str | None = None) -> list[Call]:
        """Successful ``sendMessage``/``sendPhoto`` calls (optionally to one chat), in order."""
        return [
            c
            for c in self.calls
            if c.method.lower() in SEND_METHODS
            and c.ok
            and (chat_id is None or c.chat_id == str(chat_id))
        ]

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method.lower() == method.lower()]

    async def wait_for_messages(
        self, count: int, *, chat_id: int | str | None = None, within_s: float = 10.0
    ) -> list[Call]:
        """The successful sends once there are at least ``count`` (TimeoutError otherwise)."""
        deadline = time.monotonic() + within_s
        while len(self.messages(chat_id)) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"{len(self.messages(chat_id))} of {count} messages arrived in {within_s}s"
                )
            await asyncio.sleep(0.01)
        return self.messages(chat_id)

    async def _inspect(self, request: web.Request) -> web.Response:
        """The successful sends (optionally to one chat), oldest first; no tokens."""
        chat = request.query.get("chat_id")
        sent = [
            {
                "method": c.method,
                "chat_id": c.chat_id,
                "text": html_to_text(c.body) if (c.parse_mode or "").upper() == "HTML" else c.body,
                "parse_mode": c.parse_mode,
                "photo": c.photo is not None or "photo" in c.params,
                "wall": c.wall,
            }
            for c in self.messages(chat)
        ]
        return web.Response(body=orjson.dumps({"messages": sent}), content_type="application/json")

    # --- the API -----------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        method = request.match_info["method"]
        params, photo = await self._params(request)
        status, payload = await self._answer(token, method, params, photo)
        message_id = None
        if status == 200 and isinstance(payload.get("result"), dict):
            message_id = payload["result"].get("message_id")
        self.calls.append(
            Call(
                method=method,
                token=token,
                params=params,
                photo=photo,
                at=time.monotonic(),
                wall=time.time(),
                status=status,
                message_id=message_id,
            )
        )
        return web.Response(
            status=status, body=orjson.dumps(payload), content_type="application/json"
        )

    @staticmethod
    async def _params(request: web.Request) -> tuple[dict[str, str], bytes | None]:
        params: dict[str, str] = dict(request.query)
        files: dict[str, bytes] = {}
        if request.content_type == "application/json":
            body = await request.json()
            for key, value in body.items():
                params[key] = value if isinstance(value, str) else orjson.dumps(value).decode()
        elif request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = value.file.read()
                elif isinstance(value, str):
                    params[key] = value
                else:
                    params[key] = bytes(value).decode()
        photo = None
        ref = params.get("photo", "")
        if ref.startswith("attach://"):
            photo = files.get(ref.removeprefix("attach://"))
        elif "photo" in files:
            photo = files["photo"]
            params["photo"] = "<file>"
        return params, photo

    async def _answer(
        self, token: str, method: str, params: dict[str, str], photo: bytes | None
    ) -> tuple[int, dict[str, Any]]:
        name = method.lower()
        if (self.tokens is not None and token not in self.tokens) or not _bot_id(token):
            return _error(401, "Unauthorized")
        failure = self._take_failure(name, params.get("chat_id"))
        if failure is not None:
            extra: dict[str, Any] = {}
            if failure.retry_after is not None:
                extra["retry_after"] = failure.retry_after
            if failure.migrate_to_chat_id is not None:
                extra["migrate_to_chat_id"] = failure.migrate_to_chat_id
            return _error(failure.status, failure.description, extra or None)
        handler = {
            "getme": self._get_me,
            "sendmessage": self._send_message,
            "sendphoto": self._send_photo,
            "getupdates": self._get_updates,
            "setmycommands": _true,
            "deletemycommands": _true,
            "deletewebhook": _true,
            "getchat": self._get_chat,
            "getchatmember": self._get_chat_member,
            "close": _true,
            "logout": _true,
        }.get(name)
        if handler is None:
            return _error(404, "Not Found: method not found")
        answer: tuple[int, dict[str, Any]] = await handler(token, params, photo)
        return answer

    def _take_failure(self, method: str, chat_id: str | None) -> _Failure | None:
        for failure in self._failures:
            if failure.method not in (None, method):
                continue
            if failure.chat_id is not None and failure.chat_id != chat_id:
                continue
            failure.remaining -= 1
            if failure.remaining <= 0:
                self._failures.remove(failure)
            return failure
        return None

    async def _get_me(self, token: str, params: dict[str, str], photo: bytes | None) -> Any:
        bot = _bot_id(token)
        return 200, {
            "ok": True,
            "result": {
                "id": bot,
                "is_bot": True,
                "first_name": "wickwatch stand-in",
                "username": f"standin_{bot}_bot",
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            },
        }

    async def _get_chat(self, token: str, params: dict[str, str], photo: bytes | None) -> Any:
        chat = params.get("chat_id", "")
        if chat in self.missing_chats:
            return _error(400, "Bad Request: chat not found")
        info = self._chats.get(chat) or {"id": _as_id(chat), "type": _chat_type(chat)}
        if info["type"] != "private" and "title" not in info:
            info = {**info, "title": f"Chat {chat}"}
        return 200, {"ok": True, "result": info}

    async def _get_chat_member(
        self, token: str, params: dict[str, str], photo: bytes | None
    ) -> Any:
        chat = params.get("chat_id", "")
        if chat in self.missing_chats:
            return _error(400, "Bad Request: chat not found")
        try:
            user_id = int(params.get("user_id", ""))
        except ValueError:
            return _error(400, "Bad Request: invalid user_id specified")
        user = {"id": user_id, "is_bot": False, "first_name": "Tester"}
        admins = self.chat_admins.get(chat, [])
        if _chat_type(chat) == "private" and str(user_id) == chat:
            member: dict[str, Any] = {"status": "member", "user": user}
        elif admins and admins[0] == user_id:
            member = {"status": "creator", "user": user, "is_anonymous": False}
        elif user_id in admins:
            member = {
                "status": "administrator",
                "user": user,
                "can_be_edited": False,
                "is_anonymous": False,
                "can_manage_chat": True,
                "can_delete_messages": True,
                "can_manage_video_chats": True,
                "can_restrict_members": True,
                "can_promote_members": False,
                "can_change_info": True,
                "can_invite_users": True,
                "can_post_stories": False,
                "can_edit_stories": False,
                "can_delete_stories": False,
                "can_send_welcome_messages": False,
            }
        else:
            member = {"status": "member", "user": user}
        return 200, {"ok": True, "result": member}

    def _check_chat(self, params: dict[str, str]) -> tuple[int, dict[str, Any]] | None:
        chat = params.get("chat_id")
        if not chat:
            return _error(400, "Bad Request: chat_id is empty")
        if chat in self.missing_chats:
            return _error(400, "Bad Request: chat not found")
        if chat in self.blocked_chats:
            return _error(403, "Forbidden: bot was blocked by the user")
        return None

    def _check_text(self, text: str, parse_mode: str | None, limit: int, what: str) -> Any:
        if parse_mode and parse_mode.upper() == "HTML":
            problem = telegram_html_problem(text)
            if problem:
                return _error(400, f"Bad Request: can't parse entities: {problem}")
            length = visible_length(text)
        else:
            length = len(text.encode("utf-16-le")) // 2
        if length > limit:
            return _error(400, f"Bad Request: {what} is too long")
        return None

    def _flood(self, token: str, chat: str) -> tuple[int, dict[str, Any]] | None:
        """Record (and with ``enforce_limits`` refuse) a send over Telegram's limits."""
        now = time.monotonic()
        slack = self.tolerance_s
        broken: list[tuple[str, float]] = []
        sends = self._chat_sends[(token, chat)]
        if _chat_type(chat) == "private":
            if sends and now - sends[-1] < 1.0 - slack:
                broken.append(("chat_1s", 1.0 - (now - sends[-1])))
        else:
            recent = [t for t in sends if now - t < 60.0 - slack]
            if len(recent) >= 20:
                broken.append(("group_20_per_min", 60.0 - (now - recent[0])))
        bot_sends = self._bot_sends[token]
        while bot_sends and now - bot_sends[0] >= 1.0 - slack:
            bot_sends.popleft()
        if len(bot_sends) >= 30:
            broken.append(("bot_30_per_s", 1.0))
        for rule, _wait in broken:
            self.violations.append(Violation(rule=rule, token=token, chat_id=chat, at=now))
        if broken and self.enforce_limits:
            wait = max(1, round(max(w for _r, w in broken) + 0.5))
            return _error(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})
        sends.append(now)
        while len(sends) > 60:
            sends.popleft()
        bot_sends.append(now)
        return None

    def _message(self, params: dict[str, str], **extra: Any) -> dict[str, Any]:
        chat = params["chat_id"]
        info = self._chats.get(chat) or {"id": _as_id(chat), "type": _chat_type(chat)}
        if info["type"] != "private" and "title" not in info:
            info = {**info, "title": f"Chat {chat}"}
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": info,
            **extra,
        }

    async def _send_message(self, token: str, params: dict[str, str], photo: bytes | None) -> Any:
        error = self._check_chat(params)
        if error:
            return error
        text = params.get("text", "")
        if not text.strip():
            return _error(400, "Bad Request: message text is empty")
        error = self._check_text(text, params.get("parse_mode"), TEXT_LIMIT, "message")
        if error:
            return error
        error = self._flood(token, params["chat_id"])
        if error:
            return error
        if self.send_delay_s:
            await asyncio.sleep(self.send_delay_s)
        shown = html_to_text(text) if (params.get("parse_mode") or "").upper() == "HTML" else text
        return 200, {"ok": True, "result": self._message(params, text=shown)}

    async def _send_photo(self, token: str, params: dict[str, str], photo: bytes | None) -> Any:
        error = self._check_chat(params)
        if error:
            return error
        if photo is None and not params.get("photo"):
            return _error(400, "Bad Request: there is no photo in the request")
        caption = params.get("caption", "")
        error = self._check_text(
            caption, params.get("parse_mode"), CAPTION_LIMIT, "message caption"
        )
        if error:
            return error
        error = self._flood(token, params["chat_id"])
        if error:
            return error
        if self.send_delay_s:
            await asyncio.sleep(self.send_delay_s)
        size = len(photo or b"")
        sizes = [{"file_id": f"photo{size}", "file_unique_id": "p1", "width": 800, "height": 450}]
        return 200, {"ok": True, "result": self._message(params, photo=sizes, caption=caption)}

    async def _get_updates(self, token: str, params: dict[str, str], photo: bytes | None) -> Any:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        deadline = time.monotonic() + min(timeout, 50.0)
        async with self._updates_changed:
            while not self._updates and not self._closing and time.monotonic() < deadline:
                try:
                    await asyncio.wait_for(
                        self._updates_changed.wait(), deadline - time.monotonic()
                    )
                except TimeoutError:
                    break
                if self._closing:
                    break
        return 200, {"ok": True, "result": self._updates[:limit]}


async def _true(token: str, params: dict[str, str], photo: bytes | None) -> Any:
    return 200, {"ok": True, "result": True}


def _as_id(chat: str) -> int | str:
    try:
        return int(chat)
    except ValueError:
        return chat


def _error(
    code: int, description: str, parameters: dict[str, Any] | None = None
) -> tuple[int, dict[str, Any]]:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return code, body


async def _serve(host: str, port: int) -> None:
    standin = TelegramStandIn(host=host, port=port)
    url = await standin.start()
    print(f"Telegram Bot API stand-in on {url}", flush=True)  # noqa: T201
    try:
        await asyncio.Event().wait()
    finally:
        await standin.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.host, args.port))


if __name__ == "__main__":
    main()
