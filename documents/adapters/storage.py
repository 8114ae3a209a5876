"""Content-addressed file store: a file's name is the SHA-256 of its bytes.

``LocalStore`` keeps files on disk (written to a temporary name, flushed, then renamed, so a
crash never leaves a half file under a real name); ``S3Store`` keeps them in any S3-compatible
object store. ``open_store`` picks one from configuration: a folder path or ``s3://bucket``.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

# files private to the service user: the same rule as the axis's own files
from axis.server import private_dir
from documents.domain.errors import ConfigurationError, NotFound

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
        return digest

    def get(self, digest: str) -> bytes:
        try:
            return self._path(digest).read_bytes()
        except FileNotFoundError:
            raise NotFound(f"no stored file {digest}") from None

    def exists(self, digest: str) -> bool:
        return self._path(digest).exists()


class S3Store:
    """Objects under ``prefix`` + hash in ``bucket``; credentials come the usual boto3 way
    (environment, shared files); ``endpoint_url`` for an S3-compatible service."""

    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None) -> None:
        import boto3

        self.bucket, self.prefix = bucket, prefix
        self._client = boto3.client("s3", endpoint_url=endpoint_url)
        self._errors = self._client.exceptions

    def _key(self, digest: str) -> str:
        return f"{self.prefix}{_checked(digest)}"

    def put(self, data: bytes) -> str:
        digest = content_hash(data)
        if not self.exists(digest):
            self._client.put_object(Bucket=self.bucket, Key=self._key(digest), Body=data,
                                    ChecksumAlgorithm="SHA256")
        return digest

    def get(self, digest: str) -> bytes:
        try:
            body = self._client.get_object(Bucket=self.bucket, Key=self._key(digest))["Body"]
        except self._errors.NoSuchKey:
            raise NotFound(f"no stored file {digest}") from None
        data = body.read()
        if content_hash(data) != digest:
            raise NotFound(f"stored file {digest} is corrupt")
        return data

    def exists(self, digest: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self._client.head_object(Bucket=self.bucket, Key=self._key(digest))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
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
