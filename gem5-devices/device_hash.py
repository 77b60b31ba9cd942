#!/usr/bin/env python3
"""The hash of the device sources that a gem5 build compiles in (stale-device detection).

gem5 compiles every SConscript below this directory (the EXTRAS directory). The sources of that
build are the files below it named SConscript, SConsopts or Kconfig, or ending in .cc, .hh, .h or
.py, outside directories named `test` (host-only unit tests) and hidden directories. The hash is
SHA-256 over, for each such file in the order of its path relative to this directory (POSIX
separators, byte order): the path, a NUL, the file's length as decimal ASCII, a NUL, the bytes.

Two implementations compute it and a driver test holds them equal: this one, which each
SConscript of a device runs while gem5 is built and bakes into the binary, and the driver's
(driver/src/device_hash.rs), which hashes the working tree. Run as a script it prints the hash of
the directory it sits in (or of the directory given as its argument).
"""

import hashlib
import os
import sys

SOURCE_SUFFIXES = (".cc", ".hh", ".h", ".py")
SOURCE_NAMES = ("SConscript", "SConsopts", "Kconfig")
SKIPPED_DIRS = ("test",)


def source_files(root):
    """Relative POSIX paths of the hashed files below root, sorted by their bytes."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [
            d for d in dirnames if d not in SKIPPED_DIRS and not d.startswith(".")
        ]
        for name in filenames:
            if name in SOURCE_NAMES or name.endswith(SOURCE_SUFFIXES):
                rel = os.path.relpath(os.path.join(dirpath, name), root)
                found.append(rel.replace(os.sep, "/"))
    return sorted(found, key=lambda p: p.encode())


def device_hash(root):
    h = hashlib.sha256()
    for rel in source_files(root):
        with open(os.path.join(root, rel), "rb") as f:
            data = f.read()
        h.update(rel.encode() + b"\0" + str(len(data)).encode() + b"\0" + data)
    return h.hexdigest()


if __name__ == "__main__":
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    print(device_hash(root))
