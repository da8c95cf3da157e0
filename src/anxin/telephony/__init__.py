"""Relay numbers (隐私号): a number per order that bridges the customer and the assigned technician
without either seeing the other's, behind a pluggable telephony provider (``providers.py``); the binding's
life with the order (``relay.py``, ``handlers.py``) and the API (``router.py``)."""
