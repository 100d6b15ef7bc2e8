"""get_file: cache, hashes, extraction, download from a local http server, the offline error."""

from __future__ import annotations

import functools
import hashlib
import http.server
import socket
import tarfile
import threading
import zipfile

import pytest

from unikeras import utils
from unikeras.utils import file_utils


@pytest.fixture
def server(tmp_path):
    """A local http server over tmp_path/'served'; yields (base url, list of requested paths)."""
    served = tmp_path / "served"
    served.mkdir()
    requests: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            requests.append(self.path)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(served)))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", served, requests
    httpd.shutdown()
    httpd.server_close()


def test_download_cache_and_hash(server, tmp_path, monkeypatch):
    url, served, requests = server
    (served / "data.csv").write_text("a,b\n1,2\n")
    digest = hashlib.sha256(b"a,b\n1,2\n").hexdigest()
    monkeypatch.setenv("UNIKERAS_HOME", str(tmp_path / "home"))
    path = utils.get_file(origin=f"{url}/data.csv", file_hash=digest)
    assert path == str(tmp_path / "home" / "datasets" / "data.csv")
    assert open(path).read() == "a,b\n1,2\n"
    assert utils.get_file("data.csv", origin=f"{url}/data.csv", file_hash=digest) == path
    assert len([r for r in requests if "data.csv" in r]) == 1  # the second call used the cache
    md5 = hashlib.md5(b"a,b\n1,2\n").hexdigest()
    assert file_utils.validate_file(path, md5) and not file_utils.validate_file(path, "0" * 64)
    with pytest.raises(ValueError, match="corrupted"):
        utils.get_file("other.csv", origin=f"{url}/data.csv", file_hash="0" * 64, cache_dir=tmp_path / "c2")


def test_extract_tar_and_zip_from_file_url(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    (source / "a.txt").write_text("A")
    with tarfile.open(tmp_path / "pack.tar.gz", "w:gz") as archive:
        archive.add(source / "a.txt", arcname="pack/a.txt")
    with zipfile.ZipFile(tmp_path / "z.zip", "w") as archive:
        archive.writestr("b.txt", "B")
    cache = tmp_path / "cache"
    folder = utils.get_file("pack.tar.gz", origin=(tmp_path / "pack.tar.gz").as_uri(), extract=True, cache_dir=cache)
    assert folder == str(cache / "datasets" / "pack_extracted")
    assert (cache / "datasets" / "pack_extracted" / "pack" / "a.txt").read_text() == "A"
    folder = utils.get_file(origin=(tmp_path / "z.zip").as_uri(), extract=True, cache_dir=cache, cache_subdir="z")
    assert (cache / "z" / "z.zip" / "b.txt").read_text() == "B" and folder == str(cache / "z" / "z.zip")
    with zipfile.ZipFile(tmp_path / "evil.zip", "w") as archive:
        archive.writestr("../escape.txt", "x")
    with pytest.raises(ValueError, match="outside"):
        utils.get_file(origin=(tmp_path / "evil.zip").as_uri(), extract=True, cache_dir=cache)
    assert not (cache / "escape.txt").exists()


def test_offline_error_says_where_to_put_the_file(tmp_path):
    with socket.socket() as s:  # a port nothing listens on: the download fails as it would offline
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(OSError, match="copy it to .*weights.bin"):
        utils.get_file(origin=f"http://127.0.0.1:{port}/weights.bin", cache_dir=tmp_path)
    assert not list((tmp_path / "datasets").iterdir())  # no partial file left
    (tmp_path / "datasets" / "weights.bin").write_bytes(b"w")  # put there by hand: used without a download
    assert utils.get_file(origin=f"http://127.0.0.1:{port}/weights.bin", cache_dir=tmp_path).endswith("weights.bin")
    with pytest.raises(ValueError, match="origin"):
        utils.get_file("x")
    with pytest.raises(ValueError, match="not a path"):
        utils.get_file("a/b", origin="http://127.0.0.1/x")
