"""Price alerts: a min/max band on a coin's price, soft-deleted so it can be restored, and the
price history of the watched symbol."""
