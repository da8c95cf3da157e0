"""Proactive service: what an alert does for the customer (the tenant's policy, gated by the customer's
consent), seasonal campaigns, and the customer profile (画像)."""
