"""Fixtures for running fundadmin as several app servers would (docs/scaling.md)."""

import datetime as dt
import logging
import uuid

import pytest

from fundadmin.settings.cluster import default_storage_from_env
from projects.models import Status
from publicity.models import Notice
from tests.projects.helpers import Clock, new_project, walk

# Dummy credentials for the loopback S3 server; boto3 reads them from the environment, as in
# production. Set for the whole session so no test ever falls back to a real credential chain.
S3_ENV = {
    "AWS_ACCESS_KEY_ID": "fundadmin-test",
    "AWS_SECRET_ACCESS_KEY": "fundadmin-test-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "NO_PROXY": "127.0.0.1,localhost",
    "no_proxy": "127.0.0.1,localhost",
}


@pytest.fixture(scope="session")
def s3_server():
    """An S3-compatible server (moto) on 127.0.0.1 in a thread of this process; yields its URL."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access-log line per request otherwise
    with pytest.MonkeyPatch.context() as mp:
        for name, value in S3_ENV.items():
            mp.setenv(name, value)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        try:
            yield f"http://{host}:{port}"
        finally:
            server.stop()


def s3_client(endpoint_url):
    import boto3

    return boto3.client("s3", endpoint_url=endpoint_url, region_name="us-east-1")


@pytest.fixture(params=["filesystem", "s3"])
def media_storage(request, settings, tmp_path):
    """Uploaded files go to the filesystem, then to a fresh bucket on the loopback S3 server —
    each configured by the same function production.py uses, from the same variables.

    Yields ``stored(name) -> bytes``, which reads a file straight from the backend (the folder or
    the bucket), bypassing Django, to prove where the bytes really are."""
    if request.param == "filesystem":
        environ = {}
        settings.MEDIA_ROOT = tmp_path / "media"

        def stored(name):
            return (settings.MEDIA_ROOT / name).read_bytes()

    else:
        endpoint = request.getfixturevalue("s3_server")
        bucket = f"fundadmin-{uuid.uuid4().hex[:12]}"
        client = s3_client(endpoint)
        client.create_bucket(Bucket=bucket)
        environ = {
            "FUNDADMIN_S3_BUCKET": bucket,
            "FUNDADMIN_S3_ENDPOINT_URL": endpoint,
            "FUNDADMIN_S3_REGION": "us-east-1",
            "FUNDADMIN_S3_PREFIX": "media",
        }

        def stored(name):
            return client.get_object(Bucket=bucket, Key=f"media/{name}")["Body"].read()

    settings.STORAGES = {**settings.STORAGES, "default": default_storage_from_env(environ)}
    stored.kind = request.param
    return stored


POSTED = dt.date(2026, 9, 30)


@pytest.fixture
def clock(time_machine):
    return Clock(time_machine, start=POSTED)


@pytest.fixture
def plan_notice(people, fund_year, clock):
    """The plan notice of a project in publicity (posted 2026-09-30)."""
    project = new_project(people, fund_year)
    walk(project, people, Status.PUBLICITY, clock)
    return Notice.objects.get(project=project, kind=Notice.Kind.PLAN)
