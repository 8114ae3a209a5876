"""The reference axis: a store-and-forward server agencies exchange edXML messages through.

``core`` holds the rules (who may send what to whom, de-duplication, acknowledgement);
``directory`` the agency directory with its history (``directory_file`` reads it from CSV or
JSON); ``soap`` and ``vxp`` (with ``vxp_agencies``) are its two faces (SOAP 1.1 and the
national HTTP protocol); ``app`` mounts both.
"""
from axis.server.app import MiB, ServerConfig, create_app, open_core, serve
from axis.server.core import Settings
from axis.server.directory import Entry as DirectoryEntry
from axis.server.directory_file import read_directory_file
from axis.server.sealing import kek_from_env, new_kek
from axis.server.store import private_dir, private_file, sync_folder

__all__ = [
    "DirectoryEntry",
    "MiB",
    "ServerConfig",
    "Settings",
    "create_app",
    "kek_from_env",
    "new_kek",
    "open_core",
    "private_dir",
    "private_file",
    "sync_folder",
    "read_directory_file",
    "serve",
]
