"""``get_file``: a file from a URL, cached under ``~/.unikeras/<cache_subdir>`` (``$UNIKERAS_HOME``),
checked against a hash and optionally extracted (tar, tar.gz, tar.bz2, zip)."""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.parse
import zipfile
from typing import Any

from unikeras.utils import io_utils


def unikeras_home() -> str:
    """``$UNIKERAS_HOME``, else ``~/.unikeras`` (Keras's ``~/.keras``)."""
    return os.environ.get("UNIKERAS_HOME") or os.path.join(os.path.expanduser("~"), ".unikeras")


def _hasher(algorithm: str, file_hash: str | None) -> Any:
    if algorithm == "sha256" or (algorithm == "auto" and file_hash is not None and len(file_hash) == 64):
        return hashlib.sha256()
    if algorithm in ("md5", "auto"):
        return hashlib.md5()
    raise ValueError(f"get_file(): `hash_algorithm` must be 'auto', 'sha256' or 'md5', received {algorithm!r}.")


def hash_file(fpath: str, algorithm: str = "sha256", chunk_size: int = 65535) -> str:
    """The hex digest of the file at ``fpath`` (``"sha256"``, ``"md5"``, or ``"auto"``: sha256)."""
    hasher = _hasher("sha256" if algorithm == "auto" else algorithm, None)
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath: str, file_hash: str, algorithm: str = "auto", chunk_size: int = 65535) -> bool:
    """Whether the file at ``fpath`` has the hash ``file_hash`` (sha256 for a 64-digit hash with
    ``"auto"``, else md5)."""
    hasher = _hasher(algorithm, file_hash)
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest() == str(file_hash)


def _inside(root: str, target: str) -> bool:
    root = os.path.realpath(root)
    return os.path.commonpath([root, os.path.realpath(os.path.join(root, target))]) == root


def extract_archive(file_path: str, path: str = ".", archive_format: Any = "auto") -> bool:
    """Extract a tar or zip archive into ``path``; members that would land outside ``path`` (absolute
    paths, ``..``, links pointing out) are refused. Returns whether the file was an archive of an
    accepted format."""
    if archive_format is None:
        return False
    formats = (
        ["tar", "zip"]
        if archive_format == "auto"
        else [archive_format]
        if isinstance(archive_format, str)
        else list(archive_format)
    )
    for kind in formats:
        if kind == "tar" and tarfile.is_tarfile(file_path):
            with tarfile.open(file_path) as archive:
                for member in archive.getmembers():
                    if not _inside(path, member.name) or (
                        (member.issym() or member.islnk())
                        and not _inside(path, os.path.join(os.path.dirname(member.name), member.linkname))
                    ):
                        raise ValueError(
                            f"extract_archive(): {file_path}: member {member.name!r} points outside {path}."
                        )
                try:
                    archive.extractall(path, filter="data")
                except TypeError:  # Python < 3.11.4: no filter argument
                    archive.extractall(path)  # noqa: S202 - members checked above
            return True
        if kind == "zip" and zipfile.is_zipfile(file_path):
            with zipfile.ZipFile(file_path) as archive:
                for name in archive.namelist():
                    if not _inside(path, name):
                        raise ValueError(f"extract_archive(): {file_path}: member {name!r} points outside {path}.")
                archive.extractall(path)
            return True
    return False


def _download(origin: str, target: str) -> None:
    """Write ``origin`` to ``target`` through a temporary file (no half-written cache entry)."""
    import urllib.request  # imported when needed: it loads http, email and ssl

    from unikeras.utils.progbar import Progbar

    directory = os.path.dirname(target)
    handle, partial = tempfile.mkstemp(dir=directory, prefix=".download-")
    try:
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(origin, timeout=60) as response:  # noqa: S310
            total = response.headers.get("Content-Length")
            progbar = Progbar(int(total) if total and total.isdigit() else None, unit_name="byte")
            done = 0
            for chunk in iter(lambda: response.read(1 << 16), b""):
                out.write(chunk)
                done += len(chunk)
                progbar.update(done)
        os.replace(partial, target)
    except BaseException:
        if os.path.exists(partial):
            os.remove(partial)
        raise


def get_file(
    fname: str | os.PathLike | None = None,
    origin: str | None = None,
    untar: bool = False,
    md5_hash: str | None = None,
    file_hash: str | None = None,
    cache_subdir: str = "datasets",
    hash_algorithm: str = "auto",
    extract: bool = False,
    archive_format: Any = "auto",
    cache_dir: str | os.PathLike | None = None,
    force_download: bool = False,
) -> str:
    """The local path of the file at ``origin``, downloaded once into ``cache_dir/cache_subdir``.

    A file already in the cache (with the right hash when ``file_hash`` is given) is not downloaded
    again, so a machine without internet works with files put there by hand; the error for a failed
    download says which file to put where.

    Args:
        fname: the file name in the cache; ``None`` takes the last part of ``origin``'s path.
        origin: the URL (``http(s)://``, ``ftp://`` or ``file://``).
        untar: deprecated; same as ``extract=True`` with ``archive_format="tar"``.
        md5_hash: deprecated; an md5 ``file_hash``.
        file_hash: the expected sha256 or md5 hex digest.
        cache_subdir: the sub-folder of ``cache_dir`` (an absolute path is used as it is).
        hash_algorithm: ``"auto"`` (from the length of ``file_hash``), ``"sha256"`` or ``"md5"``.
        extract: extract the archive and return the folder it was extracted into.
        archive_format: ``"auto"``, ``"tar"``, ``"zip"``, a list of those, or ``None``.
        cache_dir: the cache root; ``None`` is ``$UNIKERAS_HOME`` or ``~/.unikeras``.
        force_download: download even when the file is in the cache.

    Returns:
        The path of the file, or of the extracted folder with ``extract=True``.
    """
    if origin is None:
        raise ValueError("get_file(): pass `origin`, the URL of the file to download.")
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    base = os.path.expanduser(os.fspath(cache_dir)) if cache_dir is not None else unikeras_home()
    os.makedirs(base, exist_ok=True)
    if not os.access(base, os.W_OK):
        base = os.path.join(tempfile.gettempdir(), ".unikeras")
    datadir = os.path.join(base, cache_subdir)
    os.makedirs(datadir, exist_ok=True)
    given = os.fspath(fname) if fname is not None else ""
    name = given or os.path.basename(urllib.parse.urlsplit(origin).path)
    if not name:
        raise ValueError(f"get_file(): cannot take a file name from origin {origin!r}; pass `fname`.")
    if os.sep in name or (os.altsep and os.altsep in name):
        raise ValueError(f"get_file(): `fname` must be a file name, not a path (use `cache_dir`), received {name!r}.")
    if extract or untar:
        if given and "." in name:
            target = os.path.join(datadir, name)
            extraction_dir = os.path.join(datadir, name[: name.find(".")] + "_extracted")
        else:
            target = os.path.join(datadir, name + "_archive")
            extraction_dir = os.path.join(datadir, name)
    else:
        target = os.path.join(datadir, name)

    download = force_download or not os.path.exists(target)
    if not download and file_hash is not None and not validate_file(target, file_hash, hash_algorithm):
        io_utils.print_msg(f"{target} is in the cache but its hash does not match {file_hash}: downloading it again.")
        download = True
    if download:
        io_utils.print_msg(f"Downloading data from {origin}")
        try:
            _download(origin, target)
        except (OSError, ValueError) as err:  # urllib's URLError is an OSError
            reason = getattr(err, "reason", err)
            raise OSError(
                f"get_file(): cannot download {origin}: {reason}. Without internet access, download the file "
                f"elsewhere and copy it to {target}"
                + (f" (sha256 or md5 {file_hash})" if file_hash else "")
                + "; get_file then uses it without downloading."
            ) from err
        if file_hash is not None and not validate_file(target, file_hash, hash_algorithm):
            os.remove(target)
            raise ValueError(
                f"get_file(): the file downloaded from {origin} is incomplete or corrupted: its hash does not "
                f"match {file_hash}."
            )
    if extract or untar:
        if os.path.exists(extraction_dir) and download:
            shutil.rmtree(extraction_dir)
        if not os.path.exists(extraction_dir):
            partial = extraction_dir + ".partial"
            shutil.rmtree(partial, ignore_errors=True)
            if not extract_archive(target, partial, "tar" if untar else archive_format):
                shutil.rmtree(partial, ignore_errors=True)
                raise ValueError(f"get_file(): {target} is not a {'tar' if untar else 'tar or zip'} archive.")
            os.replace(partial, extraction_dir)
        return extraction_dir
    return target


__all__ = ["extract_archive", "get_file", "hash_file", "unikeras_home", "validate_file"]
