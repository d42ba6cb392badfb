"""Markets as the collectors see them: feed status, symbols, latest prices, 1-minute candles."""
