#!/usr/bin/env python3
"""Reads `sst_dump --command=scan --output_hex` output for the oracle checks.

sst_dump prints one line per table entry:
    'USERKEYHEX' seq:N, type:T => VALUEHEX
(type 1 = value, 0 = deletion; hex in upper case). Header lines are ignored.

  sst_scan.py rows SCAN
      print the number of entry lines.
  sst_scan.py canary-keys --expected EXPECTED --count N TARGET_SCAN [OTHER_SCAN...]
      print up to N hex keys (evenly spread, sorted) that are puts in TARGET,
      appear in no OTHER table, and whose value is the final expected value:
      keys that only this table can answer, so LevelDB must read this table
      (and consult its filter) to find them.
  sst_scan.py live-tables DIR
      parse CURRENT and the MANIFEST (log records of VersionEdits) and print
      the live table files, one "LEVEL NNNNNN.ldb" a line. Table files on
      disk but not live (e.g. output of an interrupted compaction, which
      LevelDB leaves behind on close) are not listed.
  sst_scan.py newest --expected EXPECTED --exclude OPS SCAN...
      for every key NOT mentioned in OPS (the un-flushed phase), the newest
      version across all tables must equal the expected final state (value,
      or absent/deleted). Prints mismatches and exits 1 on any.
"""

import argparse
import re
import sys

LINE = re.compile(r"^'([0-9A-Fa-f]*)' seq:(\d+), type:(\d+) => ([0-9A-Fa-f]*)$")


def entries(path):
    """Yields (key_hex, seq, type, value_hex), lowercase hex."""
    with open(path) as f:
        for line in f:
            m = LINE.match(line.rstrip("\n"))
            if m:
                yield m.group(1).lower(), int(m.group(2)), int(m.group(3)), m.group(4).lower()


def load_expected(path):
    out = {}
    with open(path) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("\t")
            out[k] = v
    return out


def newest_by_key(paths):
    best = {}
    for p in paths:
        for k, seq, typ, v in entries(p):
            if k not in best or seq > best[k][0]:
                best[k] = (seq, typ, v)
    return best


def log_records(data):
    """Reassembles the records of a LevelDB log file (32 KiB blocks, 7-byte
    headers: masked crc32c, length, type FULL=1 FIRST=2 MIDDLE=3 LAST=4)."""
    pos, rec = 0, None
    while pos + 7 <= len(data):
        left = 32768 - pos % 32768
        if left < 7:  # block trailer padding
            pos += left
            continue
        length = data[pos + 4] | data[pos + 5] << 8
        typ = data[pos + 6]
        frag = data[pos + 7 : pos + 7 + length]
        if len(frag) != length:
            raise ValueError("truncated log record")
        pos += 7 + length
        if typ == 1:
            yield frag
        elif typ == 2:
            rec = bytearray(frag)
        elif typ in (3, 4) and rec is not None:
            rec += frag
            if typ == 4:
                yield bytes(rec)
                rec = None
        elif typ == 0 and length == 0:
            continue  # zero padding
        else:
            raise ValueError(f"bad log record type {typ}")


def varint(buf, i):
    v = shift = 0
    while True:
        if i >= len(buf) or shift > 63:
            raise ValueError("bad varint")
        b = buf[i]
        i += 1
        v |= (b & 0x7F) << shift
        if not b & 0x80:
            return v, i
        shift += 7


def cmd_live_tables(a):
    import os

    with open(os.path.join(a.dir, "CURRENT")) as f:
        manifest = f.read().strip()
    with open(os.path.join(a.dir, manifest), "rb") as f:
        data = f.read()
    live = {}
    for rec in log_records(data):
        i = 0
        while i < len(rec):
            tag, i = varint(rec, i)
            if tag == 1:  # comparator name
                n, i = varint(rec, i)
                i += n
            elif tag in (2, 3, 4, 9):  # log number, next file, last sequence, prev log
                _, i = varint(rec, i)
            elif tag == 5:  # compact pointer: level, internal key
                _, i = varint(rec, i)
                n, i = varint(rec, i)
                i += n
            elif tag == 6:  # deleted file: level, number
                _, i = varint(rec, i)
                num, i = varint(rec, i)
                live.pop(num, None)
            elif tag == 7:  # new file: level, number, size, smallest, largest
                level, i = varint(rec, i)
                num, i = varint(rec, i)
                _, i = varint(rec, i)
                for _ in range(2):
                    n, i = varint(rec, i)
                    i += n
                live[num] = level
            else:
                raise ValueError(f"unknown VersionEdit tag {tag} in {manifest}")
            if i > len(rec):
                raise ValueError(f"truncated VersionEdit in {manifest}")
    for num in sorted(live):
        print(f"{live[num]} {num:06d}.ldb")


def cmd_rows(a):
    print(sum(1 for _ in entries(a.scan)))


def cmd_canary_keys(a):
    expected = load_expected(a.expected)
    target = newest_by_key([a.target])
    others = set()
    for p in a.others:
        others.update(k for k, _, _, _ in entries(p))
    good = sorted(
        k for k, (_, typ, v) in target.items() if typ == 1 and k not in others and expected.get(k) == v
    )
    if len(good) > a.count:
        step = len(good) / a.count
        good = [good[int(i * step)] for i in range(a.count)]
    sys.stdout.write("".join(k + "\n" for k in good))


def cmd_newest(a):
    expected = load_expected(a.expected)
    excluded = set()
    with open(a.exclude) as f:
        for line in f:
            line = line.rstrip("\n")
            excluded.add(line[1:] if line.startswith("-") else line.partition("\t")[0])
    newest = newest_by_key(a.scans)
    bad = checked = 0
    for k in sorted(set(newest) | set(expected)):
        if k in excluded:
            continue
        checked += 1
        got = newest.get(k)
        got_v = got[2] if got and got[1] == 1 else None
        want = expected.get(k)
        if got_v != want:
            bad += 1
            if bad <= 10:
                print(f"key {k}: tables say {'<deleted/absent>' if got_v is None else got_v[:40]}, "
                      f"expected {'<absent>' if want is None else want[:40]}")
    print(f"{checked} keys checked against the tables' newest versions, {bad} mismatches")
    sys.exit(1 if bad or checked == 0 else 0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("rows")
    p.add_argument("scan")
    p.set_defaults(fn=cmd_rows)
    p = sub.add_parser("canary-keys")
    p.add_argument("--expected", required=True)
    p.add_argument("--count", type=int, default=50)
    p.add_argument("target")
    p.add_argument("others", nargs="*")
    p.set_defaults(fn=cmd_canary_keys)
    p = sub.add_parser("live-tables")
    p.add_argument("dir")
    p.set_defaults(fn=cmd_live_tables)
    p = sub.add_parser("newest")
    p.add_argument("--expected", required=True)
    p.add_argument("--exclude", required=True)
    p.add_argument("scans", nargs="+")
    p.set_defaults(fn=cmd_newest)
    a = ap.parse_args()
    a.fn(a)


if __name__ == "__main__":
    main()
