"""The audit log: an append-only record of every change staff (and the platform) make outside an order's
own moves, written by ``trail.record`` and read by admins."""
