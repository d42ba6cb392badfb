"""Process roles: the domains wired into running services.

* :mod:`.collector` — feeds → 1-second candles → detection → alerts + outbox, minute history,
  feed statistics (``wickwatch collector``).
* :mod:`.notifier` — the outbox dispatcher and the Telegram service bot (``wickwatch notifier``).
* :mod:`.runtime` — database, bus, the API in the same loop, signals, status line, shutdown order
  (``wickwatch all``).
* :mod:`.demo` — everything in one process against loopback exchange simulators and the
  Telegram stand-in (``wickwatch demo``).
"""
