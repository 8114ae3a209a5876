"""The content-addressed file store: on local disk, and on a real S3-compatible server
(moto's standalone server, over HTTP on loopback)."""

from __future__ import annotations

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
