"""Evidence on S3-compatible object storage: a real S3 server (moto's server mode, a subprocess on
127.0.0.1:8400, one port higher per further xdist worker).

Photos (with the untouched original and its SHA-256) and report/re-check files go through the normal services
and API into the bucket, byte for byte; they come back only through the permission-checked views, read from
the bucket by the app (no redirect to a storage URL); someone from another school gets 404; nothing is written to MEDIA_ROOT.
MEDIA_STORAGE_URL's parser refuses what it does not understand.
"""
import hashlib
import io
import os
import socket
import subprocess
import sys
import time
import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from PIL import Image

from config.env import parse_media_storage_url
from inspections.models import Attachment

from .test_orders_api_evidence import reported_and_failed
from .test_visits_api import api, checked_in
from .test_visits_offline_api import _finding, _photo
from .visits_helpers import png_bytes

# One S3 server per pytest-xdist worker (ports 8400-8409): the tests of this module may run on several at once.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
PORT = 8400 + (int(_WORKER[2:]) % 10 if _WORKER[2:].isdigit() else 0)
ENDPOINT = f"http://127.0.0.1:{PORT}"
KEYS = {"AWS_ACCESS_KEY_ID": "dudao-test-key", "AWS_SECRET_ACCESS_KEY": "dudao-test-secret"}


def _listening(port) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def s3_server():
    """moto's S3 as its own process, as MinIO would be: the app reaches it only over HTTP."""
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(PORT)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not _listening(PORT):
            assert proc.poll() is None and time.monotonic() < deadline, "moto server did not start"
            time.sleep(0.1)
        assert proc.poll() is None, f"port {PORT} is taken by another process"
        yield ENDPOINT
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture
def bucket(s3_server, settings, tmp_path, monkeypatch):
    """A fresh private bucket as the default storage, configured from a MEDIA_STORAGE_URL; returns (s3, name)."""
    import boto3

    for key, value in KEYS.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    name = f"dudao-h17-{uuid.uuid4().hex[:12]}"
    s3 = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1")
    s3.create_bucket(Bucket=name)
    settings.STORAGES = {**settings.STORAGES,
                         "default": parse_media_storage_url(f"s3://{name}/media?endpoint={s3_server}&region=us-east-1")}
    settings.MEDIA_ROOT = tmp_path / "media"
    yield s3, name
    assert not (tmp_path / "media").exists(), "something was written to the local MEDIA_ROOT"


def _object(s3, bucket, field) -> bytes:
    return s3.get_object(Bucket=bucket, Key=f"media/{field.name}")["Body"].read()


def _download(user, url):
    client = Client()
    client.force_login(user)
    return client.get(url)


def _same_picture(response, stored: bytes) -> bool:
    """The view answered with the stored picture itself (not a redirect to the bucket): same image, same size.
    Compared as pictures, since a view may mark what it shows (a watermark) while the stored copy stays as is."""
    assert response.status_code == 200 and "Location" not in response, response
    body = b"".join(response.streaming_content) if response.streaming else response.content
    with Image.open(io.BytesIO(body)) as shown, Image.open(io.BytesIO(stored)) as kept:
        return shown.format == kept.format and shown.size == kept.size


@pytest.mark.django_db
def test_a_finding_photo_and_its_original_are_stored_in_the_bucket_with_their_hashes(people, tree, bucket):
    s3, name = bucket
    visit = checked_in(people, tree)
    client, key = api(people.district_inspector), str(uuid.uuid4())
    assert _finding(client, visit, key).status_code == 201
    data = png_bytes((64, 48), fmt="JPEG")
    answer = _photo(client, visit, key, str(uuid.uuid4()), data)
    assert answer.status_code == 201, answer.content
    photo = Attachment.objects.get()
    original, clean = _object(s3, name, photo.original), _object(s3, name, photo.file)
    assert original == data and hashlib.sha256(original).hexdigest() == photo.original_sha256 == answer.json()["sha256"]
    assert hashlib.sha256(clean).hexdigest() == photo.sha256 and len(clean) == photo.size
    assert _object(s3, name, photo.thumbnail)[:2] == b"\xff\xd8"  # the thumbnail too (JPEG)
    url = f"/visits/{visit.pk}/photos/{photo.pk}/"
    assert _same_picture(_download(people.district_inspector, url), clean)
    assert _download(people.other_school_staff, url).status_code == 404
    assert _download(people.other_school_staff, url + "thumb/").status_code == 404


@pytest.mark.django_db
def test_report_and_recheck_files_are_in_the_bucket_and_served_only_to_who_sees_the_order(people, tree, bucket):
    s3, name = bucket
    _order, detail = reported_and_failed(people, tree)
    links = [f for part in ("reports", "rechecks") for row in detail[part] for f in row["files"]]
    assert len(links) == 2
    for link in links:
        stored = Attachment.objects.get(pk=link["id"])
        in_bucket = _object(s3, name, stored.file)
        assert hashlib.sha256(in_bucket).hexdigest() == stored.sha256
        response = _download(people.school_staff, link["url"])
        assert "private" in response["Cache-Control"] and response["X-Content-Type-Options"] == "nosniff"
        assert _same_picture(response, in_bucket)
        assert _download(people.other_school_staff, link["url"]).status_code == 404
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=name)["Contents"]]
    assert len(keys) == 4 and all(k.startswith(("media/evidence/", "media/thumbs/")) for k in keys)  # 2 files + thumbs


@pytest.mark.parametrize("url", [
    "s3://Bad_Bucket", "s3://bucket:9000", "http://bucket", "s3://bucket?endpoint=ftp://host",
    "s3://bucket?endpoint=http://host/path", "s3://bucket?region=a&region=b", "s3://bucket?acl=public-read",
    "s3://bucket?addressing=sideways", "s3://bucket?region",
])
def test_a_media_storage_url_it_does_not_understand_stops_the_start(url):
    with pytest.raises(ImproperlyConfigured, match="MEDIA_STORAGE_URL"):
        parse_media_storage_url(url, KEYS)


def test_credentials_are_taken_only_from_the_environment():
    with pytest.raises(ImproperlyConfigured, match="must not carry credentials"):
        parse_media_storage_url("s3://key:secret@bucket", KEYS)
    with pytest.raises(ImproperlyConfigured, match="AWS_SECRET_ACCESS_KEY must be too"):
        parse_media_storage_url("s3://bucket", {"AWS_ACCESS_KEY_ID": "k"})
    options = parse_media_storage_url("s3://dudao-media/p?endpoint=https://minio.intranet:9000&region=cn-east-1",
                                      KEYS)["OPTIONS"]
    assert "secret" not in str(options) and options["default_acl"] is None  # private: the bucket's default
    assert (options["bucket_name"], options["location"], options["addressing_style"]) == ("dudao-media", "p", "path")
