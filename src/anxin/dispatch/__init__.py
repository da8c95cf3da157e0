"""Dispatch: who gets each order, when, and in what order (matching, slots, routes, simulation)."""
