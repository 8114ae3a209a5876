"""The content-addressed file store: on local disk, and on a real S3-compatible server
(moto's standalone server, over HTTP on loopback)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from documents.adapters.storage import LocalStore, S3Store, content_hash, open_store
from documents.domain.errors import ConfigurationError, NotFound
from tests.helpers.net import free_port


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture()
def s3_store(s3_endpoint, monkeypatch):
    import boto3

    # moto accepts any credentials; these are not secrets
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    boto3.client("s3", endpoint_url=s3_endpoint).create_bucket(Bucket="edochub")
    return open_store("s3://edochub/files/", s3_endpoint)


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    if request.param == "local":
        return open_store(str(tmp_path / "files"))
    return request.getfixturevalue("s3_store")


def test_put_get_is_content_addressed_and_idempotent(store):
    data = "Quyết định số 01/QĐ-UBND".encode()
    digest = store.put(data)
    assert digest == content_hash(data)
    assert store.put(data) == digest
    assert store.exists(digest)
    assert store.get(digest) == data
    missing = content_hash(b"never stored")
    assert not store.exists(missing)
    with pytest.raises(NotFound):
        store.get(missing)


def test_names_that_are_not_hashes_are_refused(store):
    with pytest.raises(NotFound):
        store.get("../../etc/passwd")


def test_open_store_picks_the_backend(s3_store, tmp_path):
    assert isinstance(s3_store, S3Store) and s3_store.prefix == "files/"
    assert isinstance(open_store(str(tmp_path)), LocalStore)
    with pytest.raises(ConfigurationError):
        open_store("ftp://example")


def test_local_store_leaves_no_partial_files(tmp_path):
    store = LocalStore(tmp_path)
    store.put(b"x" * 10_000)
    assert not [p for p in tmp_path.rglob(".incoming-*")]


def test_a_full_disk_is_one_line_and_leaves_no_partial_file(small_disk):
    from documents.domain.errors import StorageUnavailable

    store = LocalStore(small_disk / "files")
    kept = store.put(b"small")
    with pytest.raises(StorageUnavailable) as refused:
        store.put(b"x" * (2 << 20))
    assert str(refused.value) == "the file store could not keep a file: No space left on device"
    assert not list(small_disk.rglob(".incoming-*"))
    assert store.get(kept) == b"small"  # what it held is untouched


def test_a_kept_file_its_rename_and_its_new_folders_are_flushed(tmp_path, monkeypatch):
    """The file, then the folder it was renamed into, then each new folder's parent: after a
    power cut the file is there under its name, as the committed row that names it says."""
    import os

    synced: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    store = LocalStore(tmp_path / "files")
    monkeypatch.setattr(os, "fsync", fsync)
    digest = store.put(b"Quyet dinh")
    final = store.root / digest[:2] / digest[2:4] / digest
    assert [Path(p).name.startswith(".incoming-") for p in synced[:1]] == [True]
    assert synced[1:] == [str(final.parent), str(final.parent.parent), str(store.root)]
    synced.clear()
    store.put(b"Quyet dinh")  # already kept: nothing written, nothing flushed
    assert synced == []


def test_an_object_store_that_refuses_is_one_line(s3_store, s3_endpoint):
    """Its bucket gone: a put is refused in one line naming the store's error code (the HEAD
    before it finds nothing, as for any new file), a read likewise."""
    import boto3

    from documents.domain.errors import StorageUnavailable

    bucket = f"edochub-outage-{uuid.uuid4().hex[:8]}"  # moto's buckets are one per process
    s3 = boto3.client("s3", endpoint_url=s3_endpoint)
    s3.create_bucket(Bucket=bucket)
    store = open_store(f"s3://{bucket}/files/", s3_endpoint)
    kept = store.put(b"before the outage")
    s3.delete_object(Bucket=bucket, Key=f"files/{kept}")
    s3.delete_bucket(Bucket=bucket)
    with pytest.raises(StorageUnavailable) as refused:
        store.put(b"during the outage")
    digest = content_hash(b"during the outage")
    assert str(refused.value) == f"the file store refused to keep file {digest}: NoSuchBucket"
    with pytest.raises(StorageUnavailable, match=f"refused to read file {kept}: NoSuchBucket"):
        store.get(kept)
