"""``seq2seq corpora download multi30k``: fetch the Multi30k files, checked and written atomically.

Each file is streamed into a temporary file next to its destination while its SHA-256 is
computed; only a file whose checksum matches the pinned one is renamed into place
(``os.replace``, atomic on one file system). A mismatch or a broken transfer leaves no file
behind. Any ``urllib`` URL works as the base, ``file://`` included (tests use one).
"""

from __future__ import annotations

import hashlib
import logging
import os
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from seq2seq import atomic
from seq2seq.corpora.multi30k import MULTI30K_FOLDER, MULTI30K_LANGUAGES, MULTI30K_SPLIT_FILES
from seq2seq.errors import DataError

log = logging.getLogger(__name__)

MULTI30K_BASE_URL = "https://raw.githubusercontent.com/multi30k/dataset/master/data/task1/raw"
_CHUNK_BYTES = 1 << 16

# SHA-256 of the files as published in multi30k/dataset, data/task1/raw/.
MULTI30K_SHA256 = {
    "train.cs.gz": "a65adb8b32e3bc664f21ecba7a6e7f6950fd1f405e135f7c312faabdb6255077",
    "train.de.gz": "726e39b2fa9eb9ffb6dc763fb35a179f80fae06ffc5d28b6ace5faa883de28a6",
    "train.en.gz": "d79cfa999dd4c51d2cb42499b6796d5a882c3a8a961923c25a898c90f8bbd56f",
    "train.fr.gz": "622e75069e9f4c577425c4f277116ce66e63a2401c0a2312d90073cb12379a3c",
    "val.cs.gz": "b63226e05c4bd5dd6a42897d74b86a1b9d2c31498252c572b1ea7f7996927fcc",
    "val.de.gz": "f0cba2f995189cf5770f29a8a9a537a3ad3f51657ad873405082ff6863a5e75a",
    "val.en.gz": "14f7d25ddd868909a9213e361768460edcacdd6ab9d1e77b92560dc10c10dc28",
    "val.fr.gz": "ca3106f1a72390591d25f6c45cb4cd39dec4cd3f123e099748a3ce5256c160e9",
    "test_2016_flickr.cs.gz": "200a4a74cc9560f051924abb9803be008d1908d77f747e9141aeb86dfd2797f1",
    "test_2016_flickr.de.gz": "9204244e408ccb38d2a55cfcd344df15005fc42a07a6e55ca6c52b6ababb8cc8",
    "test_2016_flickr.en.gz": "611d361c6334bc7246101d48097c13cf5c4413c5befc793cc629934359d532d9",
    "test_2016_flickr.fr.gz": "6d326e188d259fb1d04ac19eae3af956559b3a0b93d7635e56c90987c40c8b90",
}


@dataclass(frozen=True)
class DownloadResult:
    """What happened to one file: ``status`` is ``"downloaded"`` or ``"present"``."""

    path: Path
    status: str


def multi30k_file_names(languages: Iterable[str] = MULTI30K_LANGUAGES) -> list[str]:
    """The file names of every split of ``languages``: ``["train.de.gz", "val.de.gz", ...]``."""
    names = []
    for language in languages:
        if language not in MULTI30K_LANGUAGES:
            raise DataError(
                f"unknown multi30k language {language!r}; expected {', '.join(MULTI30K_LANGUAGES)}"
            )
        names += [f"{prefix}.{language}.gz" for prefix in MULTI30K_SPLIT_FILES.values()]
    return names


def download_multi30k(
    data_dir: Path,
    base_url: str = MULTI30K_BASE_URL,
    languages: Iterable[str] = MULTI30K_LANGUAGES,
    force: bool = False,
    on_file: Callable[[DownloadResult], None] | None = None,
) -> list[DownloadResult]:
    """Fetch the Multi30k files of ``languages`` into ``data_dir/multi30k/``.

    A file already there with the right checksum is kept (status ``"present"``) unless
    ``force``. ``on_file`` is called after each file (for progress output).

    Raises:
        DataError: unreachable URL, checksum mismatch (the file is not kept) or a folder that
            cannot be made.
        OutputError: a file that cannot be written in the folder.
    """
    folder = data_dir / MULTI30K_FOLDER
    created = atomic.first_missing(folder)  # a failure takes back the folders made here, if empty
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DataError(f"cannot create folder: {error.strerror or error}", str(folder)) from None
    results = []
    try:
        for name in multi30k_file_names(languages):
            destination = folder / name
            expected = MULTI30K_SHA256[name]
            if not force and destination.is_file() and _sha256_of_file(destination) == expected:
                result = DownloadResult(destination, "present")
            else:
                _fetch_checked(f"{base_url.rstrip('/')}/{name}", destination, expected)
                result = DownloadResult(destination, "downloaded")
            log.info("%s: %s", result.path, result.status)
            results.append(result)
            if on_file is not None:
                on_file(result)
    except BaseException:
        try:
            atomic.remove_empty_folders(folder, created)
        except OSError:  # the error that stopped the download is the one to report
            pass
        raise
    return results


def _fetch_checked(url: str, destination: Path, expected_sha256: str) -> None:
    """Stream ``url`` into ``destination`` atomically, only if its SHA-256 is the expected one."""
    with atomic.replacing(destination) as temporary:
        digest = hashlib.sha256()
        with open(temporary, "wb") as output:
            try:
                with urllib.request.urlopen(url, timeout=60) as response:
                    while chunk := response.read(_CHUNK_BYTES):
                        digest.update(chunk)
                        output.write(chunk)
            except (urllib.error.URLError, OSError) as error:
                reason = getattr(error, "reason", None) or getattr(error, "strerror", None) or error
                raise DataError(f"download of {url} failed: {reason}") from None
            output.flush()
            os.fsync(output.fileno())  # on disk before the rename: a crash leaves no empty corpus file
        actual = digest.hexdigest()
        if actual != expected_sha256:
            raise DataError(
                f"checksum mismatch for {url}: expected sha256 {expected_sha256}, got {actual}; "
                "nothing was written"
            )


def _sha256_of_file(path: Path) -> str:
    """The hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()
