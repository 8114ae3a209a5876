"""edXML model and codec, transports to the document interconnection axis, and the reference
axis server used for development and tests.

lxml, zeep and httpx types stay inside their adapters.
"""
