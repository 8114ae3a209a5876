"""PDF signing and validation on pyHanko: PAdES levels, Decree 30 appearances, trust, reports.

pyHanko types stay inside this package; callers get our own frozen result types.
"""
