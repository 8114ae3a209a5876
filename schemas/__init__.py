"""XSD and WSDL files: the contract of the ``axis`` package. Load them with
``importlib.resources.files("schemas") / NAME``."""
