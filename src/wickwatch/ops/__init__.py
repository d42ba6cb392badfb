"""Operations: logging, error log, metrics and health."""
