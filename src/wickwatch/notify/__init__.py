"""Delivery channels: Telegram, e-mail, webhook and browser."""
