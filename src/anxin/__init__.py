"""Anxin (安心): after-sales service for home appliances."""

__version__ = "0.1.0"
