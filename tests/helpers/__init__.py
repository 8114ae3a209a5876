"""Helpers shared by tests of several modules or areas: importable, public, free of fixtures
(fixtures live in the ``conftest.py`` files, which use these helpers)."""
