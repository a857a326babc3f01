"""A minimal OLE2 compound file (CFB v3) writer, so the sniffing tests need no LibreOffice.

Only what a reader needs to list the root streams: every stream is padded to the 4096-byte
mini-stream cutoff (so no mini stream or mini FAT is written), one directory chain, one
FAT. Entries are siblings in a right-leaning chain, sorted as CFB orders names.
"""
from __future__ import annotations

import struct

MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SECTOR = 512
END, FREE, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF


def word_fib(encrypted: bool = False) -> bytes:
    """The first bytes of a WordDocument stream: wIdent 0xA5EC, nFib 193, flags."""
    flags = 0x0100 if encrypted else 0
    return struct.pack("<HHHHHH", 0xA5EC, 193, 0, 0x0804, 0, flags)


def compound_file(streams: dict[str, bytes]) -> bytes:
    names = sorted(streams, key=lambda n: (len(n), n.upper()))
    sectors: list[bytes] = []
    fat: list[int] = []
    starts: dict[str, int] = {}
    for name in names:
        data = streams[name].ljust(4096, b"\0")
        data += b"\0" * (-len(data) % SECTOR)
        starts[name] = len(sectors)
        n = len(data) // SECTOR
        for i in range(n):
            sectors.append(data[i * SECTOR:(i + 1) * SECTOR])
            fat.append(len(sectors) if i < n - 1 else END)
    entries = [_entry("Root Entry", 5, child=1 if names else NOSTREAM, start=END, size=0)]
    for i, name in enumerate(names):
        right = i + 2 if i + 1 < len(names) else NOSTREAM
        entries.append(_entry(name, 2, right=right, start=starts[name], size=len(streams[name].ljust(4096, b"\0"))))
    directory = b"".join(entries)
    directory += b"\0" * (-len(directory) % SECTOR)
    dir_start = len(sectors)
    n_dir = len(directory) // SECTOR
    for i in range(n_dir):
        sectors.append(directory[i * SECTOR:(i + 1) * SECTOR])
        fat.append(len(sectors) if i < n_dir - 1 else END)
    fat_start = len(sectors)
    n_fat = 1
    while (len(fat) + n_fat) > n_fat * (SECTOR // 4):
        n_fat += 1
    fat += [FATSECT] * n_fat
    fat += [FREE] * (n_fat * (SECTOR // 4) - len(fat))
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    sectors += [fat_bytes[i * SECTOR:(i + 1) * SECTOR] for i in range(n_fat)]
    difat = [fat_start + i for i in range(n_fat)] + [FREE] * (109 - n_fat)
    header = MAGIC + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
    header += struct.pack("<IIIIIIIII", 0, n_fat, dir_start, 0, 4096, END, 0, END, 0)
    header += struct.pack("<109I", *difat)
    assert len(header) == SECTOR
    return header + b"".join(sectors)


def _entry(name: str, kind: int, left: int = NOSTREAM, right: int = NOSTREAM, child: int = NOSTREAM,
           start: int = END, size: int = 0) -> bytes:
    raw = name.encode("utf-16-le") + b"\0\0"
    return (raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), kind, 1)
            + struct.pack("<III", left, right, child) + b"\0" * 16 + b"\0" * 4 + b"\0" * 16
            + struct.pack("<IQ", start, size))
