"""The matrix file: named numpy arrays in one file that is memory-mapped, not read.

It lets a large library start fast: mapping the search matrix of 1,000,000 photos takes a
moment where building it from SQLite takes half a minute, and pages the searches never
touch stay on disk. It is a cache of the index (daemon/index/matrix.py decides when it may be
used); this module only writes and opens the file and notices when it is damaged.

Layout: a fixed prelude (magic, where the header is, the header's CRC), the arrays, each
aligned to 64 bytes, then a JSON header naming them (dtype, shape, offset) with the CRC of
everything between prelude and header and whatever the caller wants to remember.
The file is written under a temporary name and renamed when complete, after fsync, so a
reader sees an old file or a new one, never half of one, even after a crash.
"""

from __future__ import annotations

import json
import mmap
import os
import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = b"SGMATRIX"
FORMAT_VERSION = 1
_PRELUDE = struct.Struct("<8sQQI4x")  # magic, header offset, header length, header CRC
_ALIGN = 64
_READ_CHUNK = 16 << 20


class MatrixFileError(Exception):
    """The file is missing, damaged, truncated or of another format."""


@dataclass(frozen=True)
class MatrixFile:
    """An opened file: its arrays (read-only views of the mapping) and the caller's meta."""

    meta: dict[str, object]
    arrays: dict[str, np.ndarray]
    size: int


class MatrixFileWriter:
    """Writes arrays one after the other (each may come in chunks, so that nothing as large
    as the whole matrix has to exist in memory), then the header; commit() makes it the file
    at path atomically, abort() leaves the old one."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        path.parent.mkdir(parents=True, exist_ok=True)
        for left in path.parent.glob(f".{path.name}.*.tmp"):  # by a writer that was killed
            left.unlink(missing_ok=True)
        self._file = open(self._temp, "wb")  # noqa: SIM115 - closed in commit/abort
        self._file.write(b"\0" * _PRELUDE.size)
        self._position = _PRELUDE.size
        self._crc = 0
        self._arrays: dict[str, dict[str, object]] = {}

    def _write(self, data: bytes | memoryview) -> None:
        self._file.write(data)
        self._crc = zlib.crc32(data, self._crc)
        self._position += len(data)

    def _align(self) -> None:
        padding = -self._position % _ALIGN
        if padding:
            self._write(b"\0" * padding)

    def add(self, name: str, dtype: np.dtype | str, chunks: Iterable[np.ndarray],
            shape_tail: tuple[int, ...] = ()) -> None:
        dtype = np.dtype(dtype)
        self._align()
        offset, count = self._position, 0
        for chunk in chunks:
            chunk = np.ascontiguousarray(chunk, dtype)
            count += chunk.size
            if chunk.size:
                self._write(memoryview(chunk).cast("B"))
        tail = int(np.prod(shape_tail)) if shape_tail else 1
        self._arrays[name] = {"dtype": dtype.str, "shape": [count // tail, *shape_tail],
                              "offset": offset}

    def add_array(self, name: str, array: np.ndarray) -> None:
        self.add(name, array.dtype, [array.reshape(-1)], tuple(array.shape[1:]))

    def commit(self, meta: dict[str, object]) -> None:
        header = json.dumps({"format": FORMAT_VERSION, "meta": meta, "arrays": self._arrays,
                             "data_crc": self._crc}).encode()
        header_offset = self._position
        self._file.write(header)
        self._file.seek(0)
        self._file.write(_PRELUDE.pack(MAGIC, header_offset, len(header), zlib.crc32(header)))
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        os.replace(self._temp, self.path)
        _fsync_folder(self.path.parent)

    def abort(self) -> None:
        self._file.close()
        self._temp.unlink(missing_ok=True)


def _fsync_folder(folder: Path) -> None:
    """The rename itself survives a power cut only once the folder is synced."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def open_matrix_file(path: Path, verify: bool = True) -> MatrixFile:
    """Map the file. verify: check the CRC of the data (reads it once through the page
    cache, not into this process's memory); without it only the header is checked."""
    try:
        with open(path, "rb") as file:
            size = os.fstat(file.fileno()).st_size
            prelude = file.read(_PRELUDE.size)
            if len(prelude) < _PRELUDE.size:
                raise MatrixFileError(f"{path} is truncated")
            magic, header_offset, header_length, header_crc = _PRELUDE.unpack(prelude)
            if magic != MAGIC:
                raise MatrixFileError(f"{path} is not a matrix file")
            if header_offset + header_length != size:
                raise MatrixFileError(f"{path} is truncated or has trailing bytes")
            file.seek(header_offset)
            raw = file.read(header_length)
            if zlib.crc32(raw) != header_crc:
                raise MatrixFileError(f"{path}: the header is damaged")
            header = json.loads(raw)
            if header.get("format") != FORMAT_VERSION:
                raise MatrixFileError(f"{path} has format {header.get('format')}")
            if verify and _data_crc(file, header_offset) != header["data_crc"]:
                raise MatrixFileError(f"{path}: the data is damaged")
            mapping = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    except OSError as exc:
        raise MatrixFileError(f"cannot read {path}: {exc}") from exc
    except (ValueError, KeyError, TypeError) as exc:  # JSON or header fields
        raise MatrixFileError(f"{path}: the header is unreadable: {exc}") from exc
    arrays = {}
    try:
        for name, spec in header["arrays"].items():
            dtype, shape, offset = np.dtype(spec["dtype"]), tuple(spec["shape"]), spec["offset"]
            count = int(np.prod(shape)) if shape else 1
            if offset < _PRELUDE.size or offset + count * dtype.itemsize > header_offset:
                raise MatrixFileError(f"{path}: array {name} lies outside the data")
            arrays[name] = np.frombuffer(mapping, dtype, count, offset).reshape(shape)
    except (ValueError, KeyError, TypeError) as exc:
        raise MatrixFileError(f"{path}: the header is unreadable: {exc}") from exc
    return MatrixFile(header["meta"], arrays, size)


def _data_crc(file, end: int) -> int:
    file.seek(_PRELUDE.size)
    buffer = bytearray(_READ_CHUNK)
    view = memoryview(buffer)
    crc, left = 0, end - _PRELUDE.size
    while left > 0:
        got = file.readinto(view[:min(left, _READ_CHUNK)])
        if not got:
            raise MatrixFileError("the file ends inside its data")
        crc = zlib.crc32(view[:got], crc)
        left -= got
    return crc
