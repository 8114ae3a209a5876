"""edochub: the command front and shared settings of the hub.

The product lives in three packages with one job each: ``signing`` (PDF signatures),
``axis`` (edXML and the document interconnection axis) and ``documents`` (the register).
This package only wires them to one console command.
"""

__version__ = "0.1.0"
