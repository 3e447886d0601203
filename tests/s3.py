"""A real S3 API on 127.0.0.1 for tests: moto's server mode, started by the test run.

Use it from a test module (or a conftest) with::

    from tests.s3 import s3_bucket, s3_server  # noqa: F401  (the fixture)

    def test_something(s3_server):
        bucket = s3_bucket(s3_server, "my-bucket")

``s3_server`` (session scope) starts one ``moto.server.ThreadedMotoServer`` on a free port
of 127.0.0.1 and yields its endpoint URL (``http://127.0.0.1:PORT``); it is stopped when
the session ends. Every test should make its own bucket (``s3_bucket``, a fresh name) so
tests do not see each other's objects. The credentials are moto's dummy ones
(``testing``); nothing leaves the machine.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from collections.abc import Iterator

import pytest

#: moto accepts any credentials; these are the ones its documentation uses.
ACCESS_KEY = "testing"
SECRET_KEY = "testing"
REGION = "us-east-1"
STARTUP_SECONDS = 10.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_listening(port: int, timeout: float = STARTUP_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"moto server did not listen on 127.0.0.1:{port} in {timeout} s")


def s3_client(endpoint_url: str):
    """A boto3 S3 client for the moto server (path-style addressing, dummy credentials)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"),
    )


def s3_bucket(endpoint_url: str, name: str | None = None) -> str:
    """Creates a bucket on the moto server and returns its name (a fresh one by default)."""
    name = name or f"test-{uuid.uuid4().hex[:16]}"
    s3_client(endpoint_url).create_bucket(Bucket=name)
    return name


def public_read_policy(bucket: str, prefix: str = "public/") -> str:
    """The bucket policy that lets anyone read the objects under ``prefix`` (and nothing
    else): what an operator sets for public media (README, "Media")."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "PublicMedia",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": ["s3:GetObject"],
                    "Resource": [f"arn:aws:s3:::{bucket}/{prefix}*"],
                }
            ],
        }
    )


def s3_public_read(endpoint_url: str, bucket: str, prefix: str = "public/") -> None:
    """Sets :func:`public_read_policy` on the bucket."""
    s3_client(endpoint_url).put_bucket_policy(
        Bucket=bucket, Policy=public_read_policy(bucket, prefix)
    )


def s3_keys(endpoint_url: str, bucket: str, prefix: str = "") -> list[str]:
    """Every object key in the bucket (under ``prefix``), sorted."""
    client = s3_client(endpoint_url)
    keys: list[str] = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys += [item["Key"] for item in page.get("Contents", [])]
    return sorted(keys)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """moto's S3 server on a free port of 127.0.0.1; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    # boto3 clients made without explicit credentials (django-storages with empty keys)
    # still find these, and never look for real ones on the machine.
    os.environ.setdefault("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        _wait_listening(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
