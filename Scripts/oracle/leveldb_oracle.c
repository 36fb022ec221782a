/*
 * leveldb_oracle: an independent oracle for LSMKV's on-disk format, built on
 * the real LevelDB (1.23) C API plus a small hand-written table parser.
 *
 *   dump DIR              print every live key as HEXKEY\tHEXVALUE, key order
 *   get DIR HEXKEY        print the hex value; exit 1 if not found
 *   probe DIR             read hex keys from stdin, print per key
 *                         HEXKEY\tfound\tHEXVALUE or HEXKEY\tmissing
 *   write DIR             create a LevelDB database (no compression) from
 *                         HEXKEY\tHEXVALUE / -HEXKEY lines on stdin
 *   stat FILE.ldb         walk the table by hand, verify every block CRC and
 *                         print "entries N data_blocks M filter yes|no"
 *   zero-filter FILE.ldb  Bloom canary: zero the filter bits, keep each
 *                         filter's k byte, rewrite the filter block CRC
 *
 * Exit status: 0 ok; 1 not found (get) or a database/format error;
 * 2 usage, I/O error, or (get only) a database error. Errors go to stderr.
 *
 * IMPORTANT: dump/get/probe open the database with LevelDB, and LevelDB
 * writes into the directory when it opens (new log, MANIFEST, and it turns a
 * live log into a level-0 table). Only ever run them on a copy.
 *
 * Environment for `write`:
 *   LEVELDB_ORACLE_WRITE_BUFFER_SIZE  bytes (default 65536) - small, so the
 *                                     load produces several tables and levels
 *   LEVELDB_ORACLE_MAX_FILE_SIZE      bytes (default LevelDB's 2 MiB)
 *   LEVELDB_ORACLE_COMPACT=1          compact the whole key range before
 *                                     closing (one level, empty log: the
 *                                     reopened database then has no reason to
 *                                     compact, which the canary self-test needs)
 *   LEVELDB_ORACLE_APPEND=1           open an existing database instead of
 *                                     failing (used by fake_lsmkv.sh only)
 */
#include <errno.h>
#include <inttypes.h>
#include <leveldb/c.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#define FOOTER_SIZE 48
#define TABLE_MAGIC 0xdb4775248b80fb57ULL
#define BLOCK_TRAILER_SIZE 5 /* 1 byte compression type + fixed32 masked CRC */
#define FILTER_META_KEY "filter.leveldb.BuiltinBloomFilter2"

static const char *prog = "leveldb_oracle";

static void die(const char *fmt, const char *arg) {
    fprintf(stderr, "%s: ", prog);
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    exit(2);
}

static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) die("out of memory%s", "");
    return p;
}

/* ---------------------------------------------------------------- hex --- */

static int hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes len hex chars into out (capacity >= len/2). Returns byte count or -1. */
static ssize_t hex_decode(const char *s, size_t len, unsigned char *out) {
    if (len % 2) return -1;
    for (size_t i = 0; i < len; i += 2) {
        int hi = hexval((unsigned char)s[i]), lo = hexval((unsigned char)s[i + 1]);
        if (hi < 0 || lo < 0) return -1;
        out[i / 2] = (unsigned char)(hi << 4 | lo);
    }
    return (ssize_t)(len / 2);
}

static void hex_print(FILE *f, const char *p, size_t n) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        fputc(digits[c >> 4], f);
        fputc(digits[c & 15], f);
    }
}

/* ------------------------------------------------------------ LevelDB --- */

/* The options every reader uses: strict, with the same Bloom policy as the
 * writer so LevelDB actually consults the filter blocks it finds. */
typedef struct {
    leveldb_options_t *opts;
    leveldb_readoptions_t *ropts;
    leveldb_filterpolicy_t *bloom;
    leveldb_t *db;
} reader_t;

static int reader_open(reader_t *r, const char *dir) {
    char *err = NULL;
    r->bloom = leveldb_filterpolicy_create_bloom(10);
    r->opts = leveldb_options_create();
    leveldb_options_set_create_if_missing(r->opts, 0);
    leveldb_options_set_paranoid_checks(r->opts, 1);
    leveldb_options_set_filter_policy(r->opts, r->bloom);
    r->ropts = leveldb_readoptions_create();
    leveldb_readoptions_set_verify_checksums(r->ropts, 1);
    r->db = leveldb_open(r->opts, dir, &err);
    if (err) {
        fprintf(stderr, "%s: open %s: %s\n", prog, dir, err);
        leveldb_free(err);
        return -1;
    }
    return 0;
}

static void reader_close(reader_t *r) {
    if (r->db) leveldb_close(r->db);
    leveldb_readoptions_destroy(r->ropts);
    leveldb_options_destroy(r->opts);
    leveldb_filterpolicy_destroy(r->bloom);
}

static int cmd_dump(const char *dir) {
    reader_t r;
    if (reader_open(&r, dir) != 0) return 1;
    leveldb_iterator_t *it = leveldb_create_iterator(r.db, r.ropts);
    for (leveldb_iter_seek_to_first(it); leveldb_iter_valid(it); leveldb_iter_next(it)) {
        size_t klen, vlen;
        const char *k = leveldb_iter_key(it, &klen);
        const char *v = leveldb_iter_value(it, &vlen);
        hex_print(stdout, k, klen);
        fputc('\t', stdout);
        hex_print(stdout, v, vlen);
        fputc('\n', stdout);
    }
    /* An iterator stops early on corruption; only get_error tells us. */
    char *err = NULL;
    leveldb_iter_get_error(it, &err);
    leveldb_iter_destroy(it);
    reader_close(&r);
    if (err) {
        fprintf(stderr, "%s: dump %s: %s\n", prog, dir, err);
        leveldb_free(err);
        return 1;
    }
    if (fflush(stdout) != 0) die("write stdout: %s", strerror(errno));
    return 0;
}

/* Looks one hex key up. Returns 0 found, 1 missing, -1 error. */
static int lookup(reader_t *r, const char *hexkey, size_t hexlen, FILE *out, int with_key) {
    unsigned char *key = xmalloc(hexlen / 2 + 1);
    ssize_t klen = hex_decode(hexkey, hexlen, key);
    if (klen < 0) {
        fprintf(stderr, "%s: bad hex key '%.*s'\n", prog, (int)hexlen, hexkey);
        free(key);
        return -1;
    }
    char *err = NULL;
    size_t vlen = 0;
    char *v = leveldb_get(r->db, r->ropts, (const char *)key, (size_t)klen, &vlen, &err);
    free(key);
    if (err) {
        fprintf(stderr, "%s: get: %s\n", prog, err);
        leveldb_free(err);
        return -1;
    }
    if (with_key) {
        fwrite(hexkey, 1, hexlen, out);
        fputs(v ? "\tfound\t" : "\tmissing", out);
    }
    if (v) hex_print(out, v, vlen);
    if (v || with_key) fputc('\n', out);
    leveldb_free(v);
    return v ? 0 : 1;
}

static int cmd_get(const char *dir, const char *hexkey) {
    reader_t r;
    if (reader_open(&r, dir) != 0) return 2;
    int rc = lookup(&r, hexkey, strlen(hexkey), stdout, 0);
    reader_close(&r);
    if (rc == 1) fprintf(stderr, "%s: NOT FOUND %s\n", prog, hexkey);
    return rc < 0 ? 2 : rc;
}

static int cmd_probe(const char *dir) {
    reader_t r;
    if (reader_open(&r, dir) != 0) return 1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0;
    while ((n = getline(&line, &cap, stdin)) > 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
        if (n == 0) continue;
        if (lookup(&r, line, (size_t)n, stdout, 1) < 0) { rc = 1; break; }
    }
    free(line);
    reader_close(&r);
    return rc;
}

static size_t env_size(const char *name, size_t dflt) {
    const char *s = getenv(name);
    if (!s || !*s) return dflt;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v == 0) die("bad value for %s", name);
    return (size_t)v;
}

static int cmd_write(const char *dir) {
    char *err = NULL;
    leveldb_filterpolicy_t *bloom = leveldb_filterpolicy_create_bloom(10);
    leveldb_options_t *opts = leveldb_options_create();
    leveldb_options_set_create_if_missing(opts, 1);
    const char *append = getenv("LEVELDB_ORACLE_APPEND");
    leveldb_options_set_error_if_exists(opts, !(append && strcmp(append, "1") == 0));
    leveldb_options_set_paranoid_checks(opts, 1);
    leveldb_options_set_compression(opts, leveldb_no_compression);
    leveldb_options_set_filter_policy(opts, bloom);
    leveldb_options_set_write_buffer_size(opts, env_size("LEVELDB_ORACLE_WRITE_BUFFER_SIZE", 64 * 1024));
    if (getenv("LEVELDB_ORACLE_MAX_FILE_SIZE"))
        leveldb_options_set_max_file_size(opts, env_size("LEVELDB_ORACLE_MAX_FILE_SIZE", 0));
    leveldb_writeoptions_t *wopts = leveldb_writeoptions_create();
    leveldb_t *db = leveldb_open(opts, dir, &err);
    if (err) {
        fprintf(stderr, "%s: create %s: %s\n", prog, dir, err);
        leveldb_free(err);
        return 1;
    }

    leveldb_writebatch_t *batch = leveldb_writebatch_create();
    size_t batch_ops = 0, lineno = 0;
    char *line = NULL;
    size_t cap = 0;
    unsigned char *buf = NULL;
    size_t bufcap = 0;
    ssize_t n;
    int rc = 0;
    while ((n = getline(&line, &cap, stdin)) > 0) {
        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
        if ((size_t)n / 2 + 1 > bufcap) {
            free(buf);
            bufcap = (size_t)n / 2 + 1;
            buf = xmalloc(bufcap);
        }
        if (n > 0 && line[0] == '-') {
            ssize_t klen = hex_decode(line + 1, (size_t)n - 1, buf);
            if (klen < 0) goto bad_line;
            leveldb_writebatch_delete(batch, (const char *)buf, (size_t)klen);
        } else {
            char *tab = memchr(line, '\t', (size_t)n);
            if (!tab) goto bad_line;
            size_t khex = (size_t)(tab - line), vhex = (size_t)n - khex - 1;
            ssize_t klen = hex_decode(line, khex, buf);
            ssize_t vlen = klen < 0 ? -1 : hex_decode(tab + 1, vhex, buf + klen);
            if (vlen < 0) goto bad_line;
            leveldb_writebatch_put(batch, (const char *)buf, (size_t)klen, (const char *)buf + klen,
                                   (size_t)vlen);
        }
        /* Batches of 100 like a real client; the small write buffer still
         * rotates the MemTable many times. */
        if (++batch_ops == 100) {
            leveldb_write(db, wopts, batch, &err);
            if (err) break;
            leveldb_writebatch_clear(batch);
            batch_ops = 0;
        }
        continue;
    bad_line:
        fprintf(stderr, "%s: stdin line %zu: malformed (want HEXKEY\\tHEXVALUE or -HEXKEY)\n", prog, lineno);
        rc = 1;
        break;
    }
    if (!err && !rc && batch_ops) leveldb_write(db, wopts, batch, &err);
    if (!err && !rc && getenv("LEVELDB_ORACLE_COMPACT") && strcmp(getenv("LEVELDB_ORACLE_COMPACT"), "1") == 0)
        leveldb_compact_range(db, NULL, 0, NULL, 0);
    if (err) {
        fprintf(stderr, "%s: write: %s\n", prog, err);
        leveldb_free(err);
        rc = 1;
    }
    free(line);
    free(buf);
    leveldb_writebatch_destroy(batch);
    leveldb_close(db); /* waits for background compactions to finish */
    leveldb_writeoptions_destroy(wopts);
    leveldb_options_destroy(opts);
    leveldb_filterpolicy_destroy(bloom);
    return rc;
}

/* ------------------------------------------------------ table parsing --- */

/* CRC32C (Castagnoli, reflected polynomial 0x82f63b78), table driven.
 * Written here rather than borrowed so the canary and the walker do not
 * depend on either engine's implementation. */
static uint32_t crc_table[256];

static void crc_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
        crc_table[i] = c;
    }
}

static uint32_t crc32c_extend(uint32_t crc, const unsigned char *p, size_t n) {
    crc = ~crc;
    while (n--) crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

/* LevelDB stores CRCs masked, because CRCs of data that embeds CRCs are weak. */
static uint32_t crc_mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

static uint32_t get_fixed32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_fixed32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

/* Bounds-checked varint decoding: *p advances, never past limit.
 * Returns 0 on success, -1 on truncation or overlong encoding. */
static int get_varint64(const unsigned char **p, const unsigned char *limit, uint64_t *out) {
    uint64_t v = 0;
    for (int shift = 0; shift <= 63 && *p < limit; shift += 7) {
        unsigned char b = *(*p)++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) { *out = v; return 0; }
    }
    return -1;
}

static int get_varint32(const unsigned char **p, const unsigned char *limit, uint32_t *out) {
    uint64_t v;
    const unsigned char *start = *p;
    if (get_varint64(p, limit, &v) != 0 || v > UINT32_MAX || *p - start > 5) return -1;
    *out = (uint32_t)v;
    return 0;
}

typedef struct { uint64_t offset, size; } handle_t;

typedef struct {
    const char *path;
    unsigned char *data;
    size_t size;
} table_t;

static int fail(const table_t *t, const char *what) {
    fprintf(stderr, "%s: %s: %s\n", prog, t->path, what);
    return -1;
}

static int table_load(table_t *t, const char *path) {
    t->path = path;
    FILE *f = fopen(path, "rb");
    if (!f) die("open: %s", strerror(errno));
    if (fseeko(f, 0, SEEK_END) != 0) die("seek: %s", strerror(errno));
    off_t sz = ftello(f);
    if (sz < 0) die("tell: %s", strerror(errno));
    rewind(f);
    t->size = (size_t)sz;
    t->data = xmalloc(t->size);
    if (t->size && fread(t->data, 1, t->size, f) != t->size) die("read: %s", strerror(errno));
    fclose(f);
    return 0;
}

/* A handle is valid when the block and its 5-byte trailer lie in the file. */
static int decode_handle(const table_t *t, const unsigned char **p, const unsigned char *limit, handle_t *h) {
    if (get_varint64(p, limit, &h->offset) != 0 || get_varint64(p, limit, &h->size) != 0)
        return fail(t, "corrupt block handle");
    if (h->offset > t->size || h->size > t->size - h->offset ||
        BLOCK_TRAILER_SIZE > t->size - h->offset - h->size)
        return fail(t, "block handle points outside the file");
    return 0;
}

/* Checks the block's trailer: type must be 0 (uncompressed; this walker does
 * not implement Snappy) and the masked CRC must match. */
static int check_block(const table_t *t, const handle_t *h) {
    const unsigned char *b = t->data + h->offset;
    uint32_t want = get_fixed32(b + h->size + 1);
    uint32_t got = crc_mask(crc32c_extend(0, b, h->size + 1)); /* contents + type byte */
    if (want != got) return fail(t, "block checksum mismatch");
    if (b[h->size] != 0) return fail(t, "compressed block (type != 0): not supported by this walker");
    return 0;
}

static int read_footer(const table_t *t, handle_t *meta, handle_t *index) {
    if (t->size < FOOTER_SIZE) return fail(t, "file too short for a table footer");
    const unsigned char *f = t->data + t->size - FOOTER_SIZE;
    uint64_t magic = (uint64_t)get_fixed32(f + 40) | (uint64_t)get_fixed32(f + 44) << 32;
    if (magic != TABLE_MAGIC) return fail(t, "bad table magic number");
    const unsigned char *p = f, *limit = f + 40; /* handles live in the first 40 bytes */
    if (decode_handle(t, &p, limit, meta) != 0 || decode_handle(t, &p, limit, index) != 0) return -1;
    return 0;
}

/* Walks a block's entries (shared/non_shared/value_length varint32s, key
 * delta, value), rebuilding each full key. Calls fn per entry; fn returns
 * nonzero to stop. Returns entry count or -1 on corruption. */
typedef int (*entry_fn)(void *ctx, const unsigned char *key, size_t klen, const unsigned char *val, size_t vlen);

static long walk_block(const table_t *t, const handle_t *h, entry_fn fn, void *ctx) {
    if (check_block(t, h) != 0) return -1;
    const unsigned char *b = t->data + h->offset;
    if (h->size < 4) return fail(t, "block too small");
    uint32_t nrestarts = get_fixed32(b + h->size - 4);
    if (nrestarts > (h->size - 4) / 4) return fail(t, "bad restart count");
    const unsigned char *p = b, *limit = b + h->size - 4 - 4 * (size_t)nrestarts;
    unsigned char *key = NULL;
    size_t keycap = 0, keylen = 0;
    long count = 0;
    while (p < limit) {
        uint32_t shared, non_shared, vlen;
        if (get_varint32(&p, limit, &shared) || get_varint32(&p, limit, &non_shared) ||
            get_varint32(&p, limit, &vlen) || shared > keylen || non_shared > (size_t)(limit - p) ||
            vlen > (size_t)(limit - p) - non_shared) {
            free(key);
            return fail(t, "corrupt block entry");
        }
        if (shared + (size_t)non_shared > keycap) {
            keycap = 2 * (shared + (size_t)non_shared) + 16;
            unsigned char *nk = xmalloc(keycap);
            if (keylen) memcpy(nk, key, keylen);
            free(key);
            key = nk;
        }
        memcpy(key + shared, p, non_shared);
        keylen = shared + (size_t)non_shared;
        p += non_shared;
        count++;
        int stop = fn ? fn(ctx, key, keylen, p, vlen) : 0;
        p += vlen;
        if (stop) break;
    }
    free(key);
    return count;
}

typedef struct {
    const table_t *t;
    handle_t filter;
    int found;
} meta_ctx;

static int meta_entry(void *vctx, const unsigned char *key, size_t klen, const unsigned char *val, size_t vlen) {
    meta_ctx *c = vctx;
    if (klen != strlen(FILTER_META_KEY) || memcmp(key, FILTER_META_KEY, klen) != 0) return 0;
    const unsigned char *p = val;
    if (decode_handle(c->t, &p, val + vlen, &c->filter) != 0) return 1;
    c->found = 1;
    return 1;
}

/* Finds the Bloom filter block via the metaindex. Returns 1 found, 0 absent, -1 error. */
static int find_filter(const table_t *t, const handle_t *meta, handle_t *filter) {
    meta_ctx c = {t, {0, 0}, 0};
    if (walk_block(t, meta, meta_entry, &c) < 0) return -1;
    if (c.found && check_block(t, &c.filter) != 0) return -1;
    *filter = c.filter;
    return c.found;
}

typedef struct {
    const table_t *t;
    long entries, blocks;
    int error;
} index_ctx;

static int index_entry(void *vctx, const unsigned char *key, size_t klen, const unsigned char *val, size_t vlen) {
    (void)key;
    (void)klen;
    index_ctx *c = vctx;
    handle_t h;
    const unsigned char *p = val;
    long n;
    if (decode_handle(c->t, &p, val + vlen, &h) != 0 || (n = walk_block(c->t, &h, NULL, NULL)) < 0) {
        c->error = 1;
        return 1;
    }
    c->entries += n;
    c->blocks++;
    return 0;
}

static int cmd_stat(const char *path) {
    table_t t;
    handle_t meta, index, filter;
    table_load(&t, path);
    int rc = 1;
    if (read_footer(&t, &meta, &index) == 0) {
        int has_filter = find_filter(&t, &meta, &filter);
        index_ctx c = {&t, 0, 0, 0};
        if (has_filter >= 0 && walk_block(&t, &index, index_entry, &c) >= 0 && !c.error) {
            printf("entries %ld data_blocks %ld filter %s\n", c.entries, c.blocks, has_filter ? "yes" : "no");
            rc = 0;
        }
    }
    free(t.data);
    return rc;
}

/*
 * Filter block layout (LevelDB table/filter_block.cc):
 *   filter 0 .. filter N-1 | fixed32 offset[N] | fixed32 array_offset | base_lg
 * Filter i spans [offset[i], offset[i+1]), where offset[N] is array_offset.
 * Each Bloom filter ends with one byte k (number of probes).
 *
 * We zero every bit array but KEEP each filter's k byte: BloomFilterPolicy's
 * KeyMayMatch treats k > 30 as "unknown encoding, match", and with k == 0 it
 * probes nothing and also answers "match". With k intact and all bits clear,
 * every probe fails, so KeyMayMatch is false for every key and LevelDB skips
 * the table's data blocks - which is exactly what the canary wants to see.
 * Empty filters (start == limit) already match nothing and are left alone.
 */
static int cmd_zero_filter(const char *path) {
    table_t t;
    handle_t meta, index, filter;
    table_load(&t, path);
    int rc = 1;
    if (read_footer(&t, &meta, &index) != 0) goto out;
    int found = find_filter(&t, &meta, &filter);
    if (found < 0) goto out;
    if (!found) { fail(&t, "no " FILTER_META_KEY " entry in the metaindex"); goto out; }

    unsigned char *fb = t.data + filter.offset;
    size_t n = filter.size;
    if (n < 5) { fail(&t, "filter block too small"); goto out; }
    uint32_t array_offset = get_fixed32(fb + n - 5);
    if (array_offset > n - 5 || (n - 5 - array_offset) % 4) { fail(&t, "bad filter offset array"); goto out; }
    size_t nfilters = (n - 5 - array_offset) / 4;
    size_t zeroed = 0, kept = 0;
    for (size_t i = 0; i < nfilters; i++) {
        uint32_t start = get_fixed32(fb + array_offset + 4 * i);
        uint32_t limit = get_fixed32(fb + array_offset + 4 * (i + 1)); /* i+1 == N reads array_offset */
        if (start > limit || limit > array_offset) { fail(&t, "bad filter offsets"); goto out; }
        if (limit - start < 2) continue; /* empty (or degenerate) filter: matches nothing already */
        memset(fb + start, 0, limit - start - 1);
        zeroed += limit - start - 1;
        kept++;
    }
    /* New trailer CRC over contents + type byte (type stays as it was: 0). */
    put_fixed32(fb + n + 1, crc_mask(crc32c_extend(0, fb, n + 1)));

    FILE *f = fopen(path, "r+b");
    if (!f) die("open for writing: %s", strerror(errno));
    if (fseeko(f, (off_t)filter.offset, SEEK_SET) != 0 || fwrite(fb, 1, n + BLOCK_TRAILER_SIZE, f) != n + BLOCK_TRAILER_SIZE ||
        fclose(f) != 0)
        die("write: %s", strerror(errno));
    printf("zeroed %zu filter bytes in %zu filters (k bytes kept) of %s\n", zeroed, kept, path);
    rc = 0;
out:
    free(t.data);
    return rc;
}

/* ------------------------------------------------------------------------ */

static int usage(void) {
    fprintf(stderr,
            "usage: %s dump DIR | get DIR HEXKEY | probe DIR < keys | write DIR < lines\n"
            "       %s stat FILE.ldb | zero-filter FILE.ldb\n",
            prog, prog);
    return 2;
}

int main(int argc, char **argv) {
    crc_init();
    if (argc < 3) return usage();
    const char *cmd = argv[1];
    if (!strcmp(cmd, "dump") && argc == 3) return cmd_dump(argv[2]);
    if (!strcmp(cmd, "get") && argc == 4) return cmd_get(argv[2], argv[3]);
    if (!strcmp(cmd, "probe") && argc == 3) return cmd_probe(argv[2]);
    if (!strcmp(cmd, "write") && argc == 3) return cmd_write(argv[2]);
    if (!strcmp(cmd, "stat") && argc == 3) return cmd_stat(argv[2]);
    if (!strcmp(cmd, "zero-filter") && argc == 3) return cmd_zero_filter(argv[2]);
    return usage();
}
