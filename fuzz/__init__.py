"""Fuzz targets of the hub's boundaries (run with atheris: ``make fuzz``; a smoke run is part of
the test suite, ``tests/test_fuzz_smoke.py``)."""
