#!/usr/bin/env python3
"""Deterministic data set for the LSMKV <-> LevelDB oracle checks.

Output format is the one `lsmkv --db DIR load --hex` and `leveldb_oracle write`
read: `HEXKEY<TAB>HEXVALUE` puts (empty HEXVALUE = empty value) and `-HEXKEY`
deletes, lowercase hex, one operation a line, applied in order.

The operations come in two phases so a harness can load phase 1 with a small
MemTable (several level-0 tables), force a flush, then load phase 2 WITHOUT
flushing, so it stays in the MemTable and the live log:

  phase 1  ~19,500 puts (about 15% overwrites, some resurrections of deleted
           keys) and ~1,600 deletes, one 100,000-byte value, an empty value,
           binary keys full of 0x00 / 0xff, keys that are prefixes of others.
  phase 2  ~500 puts and ~400 deletes aimed mostly at keys that live in phase-1
           tables (overwrites, deletes, resurrections), keys put and deleted
           within phase 2, a 70,000-byte value (a log record spanning several
           32 KiB log blocks) and an empty value.

The expected file is the final state after both phases, sorted bytewise
(LevelDB's BytewiseComparator order), in the same `HEXKEY<TAB>HEXVALUE` format.

Usage:
  make_dataset.py --seed 1 --out-dir DIR      writes DIR/phase1.txt, phase2.txt,
                                              all.txt, expected.txt
  make_dataset.py --seed 1 --phase 1|2|all|expected   one of them to stdout
  --puts N --deletes N scale the data set (defaults 20000 / 2000).
"""

import argparse
import os
import random
import sys

BIG_TABLE_VALUE = 100_000  # > 64 KiB: a data block far bigger than the 4 KiB target
BIG_LOG_VALUE = 70_000  # > 64 KiB but leaves room in a 256 KiB MemTable for the rest of phase 2

# Keys chosen for their byte-order edge cases: empty-ish, all-0x00, all-0xff,
# prefixes of each other, 0x00/0xff inside text.
SPECIAL_KEYS = [
    b"\x00",
    b"\x00\x00",
    b"\x00" * 16,
    b"\x00\xff",
    b"\xff",
    b"\xff\x00",
    b"\xff" * 16,
    b"\xff" * 17,
    b"a",
    b"a\x00",
    b"a\x00b",
    b"a\xff",
    b"user\x00000000000",
    b"user\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
]


class Generator:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.state = {}  # key -> value, the model
        self.ever = []  # every key ever written, in first-write order
        self.ever_set = set()
        self.deleted = []  # keys deleted and not (yet) rewritten
        self.ops = {1: [], 2: []}

    # --- keys and values -------------------------------------------------
    def fresh_key(self):
        rng = self.rng
        while True:
            if rng.random() < 0.8:
                # 16-byte text key, random order so every table spans the key space
                k = b"user%012d" % rng.randrange(10**12)
            else:
                # binary key, 12..20 bytes, with at least one 0x00 and one 0xff
                k = bytearray(rng.randbytes(rng.randint(12, 20)))
                k[rng.randrange(len(k))] = 0x00
                k[rng.randrange(len(k))] = 0xFF
                k = bytes(k)
            if k not in self.ever_set:
                return k

    def value(self, size=None):
        if size is None:
            size = self.rng.randint(80, 120)
        return self.rng.randbytes(size)

    # --- operations -------------------------------------------------------
    def put(self, phase, key, value):
        self.ops[phase].append(key.hex() + "\t" + value.hex())
        if key not in self.ever_set:
            self.ever_set.add(key)
            self.ever.append(key)
        self.state[key] = value

    def delete(self, phase, key):
        self.ops[phase].append("-" + key.hex())
        if key in self.state:
            del self.state[key]
            self.deleted.append(key)

    def old_live_key(self, fraction=1.0):
        """A live key from the first `fraction` of history (older => in an older table)."""
        limit = max(1, int(len(self.ever) * fraction))
        for _ in range(1000):
            k = self.ever[self.rng.randrange(limit)]
            if k in self.state:
                return k
        return None

    def take_deleted(self):
        while self.deleted:
            k = self.deleted.pop(self.rng.randrange(len(self.deleted)))
            if k not in self.state:
                return k
        return None

    def run(self, puts, deletes):
        rng = self.rng
        p2_puts, p2_dels = min(500, puts // 40), min(400, deletes // 5)
        p1_puts, p1_dels = puts - p2_puts, deletes - p2_dels

        # Phase 1: special keys and the big/empty values first, so they land in
        # the oldest table and later phases overwrite/delete some of them.
        for k in SPECIAL_KEYS:
            self.put(1, k, self.value())
        self.put(1, b"big-value-in-table", self.value(BIG_TABLE_VALUE))
        self.put(1, b"empty-value-in-table", b"")
        done_puts = len(SPECIAL_KEYS) + 2
        kinds = ["put"] * (p1_puts - done_puts) + ["del"] * p1_dels
        rng.shuffle(kinds)
        for i, kind in enumerate(kinds):
            if kind == "del":
                r = rng.random()
                k = self.fresh_key() if r < 0.05 else self.old_live_key(0.5 if r < 0.6 else 1.0)
                self.delete(1, k if k is not None else self.fresh_key())  # 5%: key never written
                continue
            r = rng.random()
            if i > 1000 and r < 0.13:
                k = self.old_live_key(0.5) or self.fresh_key()  # overwrite an older key
            elif i > 1000 and r < 0.15:
                k = self.take_deleted() or self.fresh_key()  # resurrect a deleted key
            else:
                k = self.fresh_key()
            self.put(1, k, self.value())

        # Phase 2: stays in the MemTable / live log.
        phase1_keys = list(self.ever)
        self.put(2, b"big-value-in-log", self.value(BIG_LOG_VALUE))
        self.put(2, b"empty-value-in-log", b"")
        self.put(2, SPECIAL_KEYS[0], b"")  # overwrite a table value with an empty one
        self.delete(2, SPECIAL_KEYS[6])  # delete an all-0xff key living in the oldest table
        self.delete(2, b"empty-value-in-table")
        done_puts, done_dels = 3, 2
        kinds = ["put"] * (p2_puts - done_puts) + ["del"] * (p2_dels - done_dels)
        rng.shuffle(kinds)
        in_phase2 = []
        for kind in kinds:
            r = rng.random()
            if kind == "del":
                if r < 0.8:
                    k = self.old_live_key(0.7)  # a key that lives in an older table
                elif r < 0.9 and in_phase2:
                    k = rng.choice(in_phase2)  # put and deleted within the MemTable
                else:
                    k = self.fresh_key()  # never written
                self.delete(2, k if k is not None else self.fresh_key())
                continue
            if r < 0.5:
                k = phase1_keys[rng.randrange(len(phase1_keys))]  # overwrite or resurrect
            elif r < 0.6 and in_phase2:
                k = rng.choice(in_phase2)  # several versions inside the MemTable
            else:
                k = self.fresh_key()
            in_phase2.append(k)
            self.put(2, k, self.value())

    def expected(self):
        # bytes sort bytewise, exactly like LevelDB's BytewiseComparator
        return [k.hex() + "\t" + self.state[k].hex() for k in sorted(self.state)]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--puts", type=int, default=20000)
    ap.add_argument("--deletes", type=int, default=2000)
    ap.add_argument("--phase", choices=["1", "2", "all", "expected"])
    ap.add_argument("--out-dir")
    args = ap.parse_args()
    if (args.phase is None) == (args.out_dir is None):
        ap.error("give exactly one of --phase or --out-dir")
    if args.puts < 200 or args.deletes < 10:
        ap.error("--puts must be >= 200 and --deletes >= 10")

    g = Generator(args.seed)
    g.run(args.puts, args.deletes)
    outputs = {
        "1": g.ops[1],
        "2": g.ops[2],
        "all": g.ops[1] + g.ops[2],
        "expected": g.expected(),
    }
    if args.phase:
        sys.stdout.write("".join(line + "\n" for line in outputs[args.phase]))
        return
    os.makedirs(args.out_dir, exist_ok=True)
    names = {"1": "phase1.txt", "2": "phase2.txt", "all": "all.txt", "expected": "expected.txt"}
    for phase, name in names.items():
        with open(os.path.join(args.out_dir, name), "w") as f:
            f.write("".join(line + "\n" for line in outputs[phase]))
    n_put = lambda ops: sum(1 for o in ops if not o.startswith("-"))
    print(
        f"dataset seed={args.seed}: phase1 {n_put(g.ops[1])} puts/{len(g.ops[1]) - n_put(g.ops[1])} deletes, "
        f"phase2 {n_put(g.ops[2])} puts/{len(g.ops[2]) - n_put(g.ops[2])} deletes, "
        f"{len(outputs['expected'])} live keys",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
