"""Administration beyond accounts: the error log, exchange feed statistics and system status."""
