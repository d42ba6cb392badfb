"""Alert statistics: personal and global, per day in the user's timezone, aggregated in SQL."""
