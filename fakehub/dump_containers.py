"""A test double's containers: a ``.sql`` dump packaged as users download it (zip, Deflate64, a folder, split, gz, zst, password, rar).

Used by :mod:`fakehub.hfcommunity_dump` (re-exported there) and the HFCommunity tests and benchmark.
"""

from __future__ import annotations

import gzip
import os
import shutil
import struct
import subprocess
import zipfile
import zlib
from pathlib import Path


def package(
    sql: str | os.PathLike, out: str | os.PathLike, how: str, *, parts: int = 10, password: str = "", level: int = 5
) -> Path:
    """Put the dump ``sql`` into a container at ``out``; ``how`` is one of ``sql``, ``gz``, ``zst``,
    ``zip`` (Deflate), ``deflate64`` (``7z -tzip -mm=Deflate64``), ``folder`` (a zip whose .sql
    is in a folder), ``split`` (a zip of ``parts`` pieces cut at arbitrary bytes, named
    ``..._part1.sql`` to ``..._partN.sql``), ``password`` (``7z -p``) or ``rar``; ``level`` is
    7-Zip's (``-mx``, 5 its default)."""
    sql, out = Path(sql), Path(out)
    member = out.name.split(".")[0] + ".sql"
    if how == "sql":
        shutil.copyfile(sql, out)
    elif how == "gz":
        with open(sql, "rb") as src, gzip.open(out, "wb", compresslevel=1) as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    elif how == "zst":
        import pyarrow as pa

        with open(sql, "rb") as src, pa.CompressedOutputStream(str(out), "zstd") as dst:
            while block := src.read(1 << 20):
                dst.write(block)
    elif how in ("zip", "folder"):
        arc = f"{out.name.split('.')[0]}/{member}" if how == "folder" else member
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            zf.write(sql, arc)
    elif how in ("deflate64", "password"):
        stage = out.parent / f".{out.name}.stage"
        stage.mkdir()
        try:
            os.link(sql, stage / member) if sql.stat().st_dev == stage.stat().st_dev else shutil.copyfile(
                sql, stage / member
            )
            opts = [f"-mx={level}", "-mm=Deflate64"] if how == "deflate64" else [f"-p{password or 'secret'}"]
            subprocess.run(
                ["7z", "a", "-tzip", *opts, str(out.absolute()), member], cwd=stage, check=True, capture_output=True
            )
        finally:
            shutil.rmtree(stage)
    elif how == "split":
        data = sql.read_bytes()
        step = -(-len(data) // parts)
        stem = out.name.split(".")[0]
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            for i in range(parts):
                zf.writestr(f"{stem}_part{i + 1}.sql", data[i * step : (i + 1) * step])
    elif how == "rar":
        with open(sql, "rb") as fh:
            write_rar(out, {member: fh.read()})
    else:
        raise ValueError(f"package how={how!r}")
    return out


def _vint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _rar_block(htype: int, fields: bytes, hflags: int = 0, data: bytes = b"") -> bytes:
    body = _vint(htype) + _vint(hflags | (0x2 if data else 0)) + (_vint(len(data)) if data else b"") + fields
    head = _vint(len(body)) + body
    return struct.pack("<I", zlib.crc32(head)) + head + data


def write_rar(out: str | os.PathLike, members: dict[str, bytes], *, volume: bool = False) -> Path:
    """A RAR 5 archive of ``members``, stored (no compression), as the RAR 5.0 format document
    (rarlab.com/technote.htm) lays it out: no free tool writes RAR, so the tests make theirs
    with this, and read it with libarchive like any other. ``volume`` marks it as the first
    volume of several (the archive flag 0x0001, and 'not the last volume' at its end)."""
    blob = bytearray(b"Rar!\x1a\x07\x01\x00")
    blob += _rar_block(1, _vint(0x1 if volume else 0))  # main archive header
    mtime = 1696824000
    for name, data in members.items():
        raw = name.encode()
        fields = (
            _vint(0x2 | 0x4)  # file flags: mtime and CRC32 present
            + _vint(len(data))
            + _vint(0o100644)  # attributes: a regular file, rw-r--r--
            + struct.pack("<II", mtime, zlib.crc32(data))
            + _vint(0)  # compression: version 0, method 0 (store)
            + _vint(1)  # host OS: Unix
            + _vint(len(raw))
            + raw
        )
        blob += _rar_block(2, fields, data=data)
    blob += _rar_block(5, _vint(0x1 if volume else 0))  # end of archive
    Path(out).write_bytes(bytes(blob))
    return Path(out)
