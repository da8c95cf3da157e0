"""Placeholder router: filled by the change that owns this module."""

from fastapi import APIRouter

router = APIRouter()
