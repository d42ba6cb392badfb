"""Delivery channels users configure (Telegram, e-mail, webhook), with their secrets encrypted
at rest and never shown again; the ``notify`` domain delivers through them."""
