#!/usr/bin/env python3
"""Cuts fuzz seeds out of a real database made by the engine (Scripts/fuzz.sh seeds DB OUT).

  log/          the first 8 KiB of each .log file
  table/        each .ldb file of at most 8 KiB
  block/        data, index and metaindex blocks of the tables (contents, trailer removed)
  filter/       the tables' filter blocks
  version-edit/ the records of the MANIFEST
  write-batch/  the records of the logs
Files are named by content hash, so running it again adds nothing twice.
"""

import hashlib
import os
import sys

LOG_BLOCK = 32768
HEADER = 7


def varint(data, pos):
    result, shift = 0, 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7


def log_records(data):
    """Yields the payloads of whole records (fragments reassembled; damage stops the scan)."""
    pos, pending = 0, b""
    while pos + HEADER <= len(data):
        left = LOG_BLOCK - pos % LOG_BLOCK
        if left < HEADER:
            pos += left
            continue
        length = data[pos + 4] | data[pos + 5] << 8
        kind = data[pos + 6]
        payload = data[pos + HEADER : pos + HEADER + length]
        pos += HEADER + length
        if kind == 0:
            pos += LOG_BLOCK - pos % LOG_BLOCK
        elif kind == 1:
            yield payload
        elif kind == 2:
            pending = payload
        elif kind == 3:
            pending += payload
        elif kind == 4:
            yield pending + payload


def block(data, offset, size):
    return data[offset : offset + size]


def entries(contents):
    """Yields (key, value) of a block, for the metaindex and index blocks."""
    restarts = int.from_bytes(contents[-4:], "little")
    end = len(contents) - 4 - 4 * restarts
    pos, key = 0, b""
    while pos < end:
        shared, pos = varint(contents, pos)
        unshared, pos = varint(contents, pos)
        vlen, pos = varint(contents, pos)
        key = key[:shared] + contents[pos : pos + unshared]
        pos += unshared
        yield key, contents[pos : pos + vlen]
        pos += vlen


def handle(value):
    offset, pos = varint(value, 0)
    size, _ = varint(value, pos)
    return offset, size


def save(out, target, data):
    directory = os.path.join(out, target)
    os.makedirs(directory, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


def main(db, out):
    for name in sorted(os.listdir(db)):
        data = open(os.path.join(db, name), "rb").read()
        if name.endswith(".log"):
            save(out, "log", data[:8192])
            for record in log_records(data[:8192]):
                save(out, "write-batch", record)
        elif name.startswith("MANIFEST-"):
            for record in log_records(data):
                save(out, "version-edit", record)
        elif name.endswith(".ldb"):
            if len(data) <= 8192:
                save(out, "table", data)
            footer = data[-48:]
            meta_offset, pos = varint(footer, 0)
            meta_size, pos = varint(footer, pos)
            index_offset, pos = varint(footer, pos)
            index_size, pos = varint(footer, pos)
            meta = block(data, meta_offset, meta_size)
            index = block(data, index_offset, index_size)
            save(out, "block", meta)
            save(out, "block", index)
            for key, value in entries(meta):
                if key.startswith(b"filter."):
                    save(out, "filter", block(data, *handle(value)))
            for _, value in list(entries(index))[:2]:
                save(out, "block", block(data, *handle(value)))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
