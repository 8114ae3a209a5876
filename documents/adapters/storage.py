"""Content-addressed file store: a file's name is the SHA-256 of its bytes.

``LocalStore`` keeps files on disk (written to a temporary name, flushed, then renamed, so a
crash never leaves a half file under a real name; the rename and any new folder are flushed too,
so a file is on disk before the transaction that names it commits); ``S3Store`` keeps them in
any S3-compatible object store. ``open_store`` picks one from configuration: a folder path or
``s3://bucket``. Either store's failures (disk full, object store down or refusing) are
``StorageUnavailable`` in one line.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

# files private to the service user, and flushed folders: the same rules as the axis's own files
from axis.server import private_dir, sync_folder
from documents.domain.errors import ConfigurationError, NotFound, StorageUnavailable

_HASH = re.compile(r"^[0-9a-f]{64}$")


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _checked(digest: str) -> str:
    if not _HASH.match(digest):
        raise NotFound(f"no stored file {digest!r}")
    return digest


class BlobStore(Protocol):
    def put(self, data: bytes) -> str: ...

    def get(self, digest: str) -> bytes: ...

    def exists(self, digest: str) -> bool: ...


class LocalStore:
    def __init__(self, root: Path) -> None:
        self.root = private_dir(Path(root))

    def _path(self, digest: str) -> Path:
        digest = _checked(digest)
        return self.root / digest[:2] / digest[2:4] / digest

    def put(self, data: bytes) -> str:
        digest = content_hash(data)
        path = self._path(digest)
        if path.exists():
            return digest
        try:
            self._write(path, data)
        except OSError as exc:
            raise StorageUnavailable(f"the file store could not keep a file: "
                                     f"{exc.strerror or type(exc).__name__}") from None
        return digest

    def _write(self, path: Path, data: bytes) -> None:
        new_folders = [f for f in (path.parent.parent, path.parent) if not f.exists()]
        private_dir(path.parent)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")  # 0600
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        sync_folder(path.parent)  # the rename
        for folder in reversed(new_folders):  # each new folder's entry in its parent
            sync_folder(folder.parent)

    def get(self, digest: str) -> bytes:
        path = self._path(digest)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise NotFound(f"no stored file {digest}") from None
        except OSError as exc:
            raise StorageUnavailable(f"the file store could not read file {digest}: "
                                     f"{exc.strerror or type(exc).__name__}") from None

    def exists(self, digest: str) -> bool:
        return self._path(digest).exists()


_MISSING = ("404", "NoSuchKey", "NotFound")


@contextmanager
def _object_store_errors(what: str, digest: str) -> Iterator[None]:
    """botocore's failures as the register's own (the one place they are translated): a
    missing object is ``NotFound``, anything else ``StorageUnavailable``, naming the store's
    error code or the failure's kind, never an endpoint or a credential."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "?")
        if code in _MISSING:
            raise NotFound(f"no stored file {digest}") from None
        raise StorageUnavailable(f"the file store refused to {what} file {digest}: {code}"
                                 ) from None
    except BotoCoreError as exc:
        raise StorageUnavailable(f"the file store is unavailable, could not {what} file "
                                 f"{digest}: {type(exc).__name__}") from None


class S3Store:
    """Objects under ``prefix`` + hash in ``bucket``; credentials come the usual boto3 way
    (environment, shared files); ``endpoint_url`` for an S3-compatible service."""

    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None) -> None:
        import boto3

        self.bucket, self.prefix = bucket, prefix
        self._client = boto3.client("s3", endpoint_url=endpoint_url)

    def _key(self, digest: str) -> str:
        return f"{self.prefix}{_checked(digest)}"

    def put(self, data: bytes) -> str:
        digest = content_hash(data)
        if not self.exists(digest):
            with _object_store_errors("keep", digest):
                self._client.put_object(Bucket=self.bucket, Key=self._key(digest), Body=data,
                                        ChecksumAlgorithm="SHA256")
        return digest

    def get(self, digest: str) -> bytes:
        with _object_store_errors("read", digest):
            body = self._client.get_object(Bucket=self.bucket, Key=self._key(digest))["Body"]
            data = body.read()
        if content_hash(data) != digest:
            raise NotFound(f"stored file {digest} is corrupt")
        return data

    def exists(self, digest: str) -> bool:
        key = self._key(digest)
        try:
            with _object_store_errors("look up", digest):
                self._client.head_object(Bucket=self.bucket, Key=key)
        except NotFound:
            return False
        return True


def open_store(spec: str, s3_endpoint_url: str | None = None) -> BlobStore:
    """``/var/lib/edochub/files`` or ``s3://bucket/optional/prefix/`` (at ``s3_endpoint_url``
    when given)."""
    if spec.startswith("s3://"):
        bucket, _, prefix = spec[len("s3://"):].partition("/")
        if not bucket:
            raise ConfigurationError(f"no bucket in file store {spec!r}")
        # a prefix names a folder: "s3://b/h41" and "s3://b/h41/" both keep objects under h41/
        return S3Store(bucket, prefix.strip("/") + "/" if prefix.strip("/") else "",
                       s3_endpoint_url)
    if "://" in spec:
        raise ConfigurationError(f"unsupported file store {spec!r}: use a folder or s3://bucket")
    return LocalStore(Path(spec))
