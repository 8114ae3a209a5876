"""The reference axis: a store-and-forward server agencies exchange edXML messages through.

``core`` holds the rules (who may send what to whom, de-duplication, acknowledgement); ``soap``
and ``vxp`` are its two faces (SOAP 1.1 and the national HTTP protocol); ``app`` mounts both.
"""
