"""Routers of the API, one per part of the register."""
