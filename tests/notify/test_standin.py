"""The stand-in's read-only view of what it received (used by the browser tests of the demo)."""

from __future__ import annotations

import aiohttp

from wickwatch.notify.standin import TelegramStandIn

TOKEN = "7000000002:own-bot-token-for-the-standin-tests-xyz"


async def test_the_messages_view_shows_successful_sends_per_chat(
    standin: TelegramStandIn,
) -> None:
    base = f"{standin.url}/bot{TOKEN}"
    async with aiohttp.ClientSession() as http:
        sent = {"chat_id": "700100300", "text": "<b>SOLUSDT</b> +4.27%", "parse_mode": "HTML"}
        async with http.post(f"{base}/sendMessage", json=sent) as r:
            assert r.status == 200
        async with http.post(f"{base}/sendMessage", json={"chat_id": "42", "text": "other"}):
            pass
        standin.blocked_chats.add("13")
        async with http.post(f"{base}/sendMessage", json={"chat_id": "13", "text": "x"}) as r:
            assert r.status == 403
        form = aiohttp.FormData()
        form.add_field("chat_id", "700100300")
        form.add_field("caption", "chart")
        form.add_field("photo", b"\x89PNG...", filename="c.png", content_type="image/png")
        async with http.post(f"{base}/sendPhoto", data=form) as r:
            assert r.status == 200

        async with http.get(f"{standin.url}/_standin/messages?chat_id=700100300") as r:
            view = await r.json()
        async with http.get(f"{standin.url}/_standin/messages") as r:
            everything = await r.json()

    assert [(m["method"], m["chat_id"], m["text"], m["photo"]) for m in view["messages"]] == [
        ("sendMessage", "700100300", "SOLUSDT +4.27%", False),
        ("sendPhoto", "700100300", "chart", True),
    ]
    assert view["messages"][0]["parse_mode"] == "HTML"
    # the refused send is not a message; no token appears anywhere
    assert [m["chat_id"] for m in everything["messages"]] == ["700100300", "42", "700100300"]
    assert TOKEN not in str(everything)
