"""`make bench`: talksocial under load on loopback, side by side with its own limit (issue 6)."""
