/*
 * peer_bench: LevelDB's db_bench workloads against LevelDB, RocksDB and
 * SQLite, with exactly the keys, values, random sequence and output lines of
 * `lsmkv bench` (Sources/LSMKVTool/BenchCommand.swift), so the numbers of
 * Scripts/compare-peers.sh compare like with like.
 *
 *   peer_bench ENGINE [--db DIR] [--benchmarks=LIST] [--num=N] [--reads=N]
 *              [--value_size=BYTES] [--sync] [--use_existing_db]
 *   ENGINE: leveldb | rocksdb | sqlite | fsync
 *
 * Keys: "%016d" of k. Values: byte i of key k's value is 'a' + (k + i) % 26.
 * Random keys: SplitMix64 seeded with 301, k = next() % num.
 * LevelDB and RocksDB: compression off, 10-bit Bloom filter, 4 MiB write
 * buffer (LSMKV's defaults). SQLite: WITHOUT ROWID table, WAL journal,
 * synchronous=NORMAL (FULL for fillsync or --sync), one transaction per write
 * (per 1000 writes for fillbatch).
 * readwhilewriting: the main thread reads random keys (readrandom) while a
 * second thread overwrites random keys (SplitMix64 seeded with 7919, as
 * lsmkv bench) until the reads are done; only the reads count. SQLite's
 * writer has its own connection (WAL lets it run beside the reader).
 * compact (not a db_bench workload): compacts the whole key range once.
 * `fsync` mode: appends 4 KiB + fdatasync --num times (default 1000) in
 * --db, the physical ceiling for fillsync on that disk.
 *
 * Bytes written: this process's wchar from /proc/self/io (bytes passed to
 * write-family system calls), as lsmkv bench reports it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <leveldb/c.h>
#include <pthread.h>
#include <rocksdb/c.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define KEY_SIZE 16
#define BATCH_SIZE 1000

enum engine_kind { LEVELDB, ROCKSDB, SQLITE };

static enum engine_kind kind;
static const char *dir = "/tmp/peer_bench_db";
static long num = 1000000;
static long reads = -1;
static long value_size = 100;
static int sync_writes = 0;
static int use_existing = 0;
static uint64_t *samples;
static char key[KEY_SIZE + 1];
static char *value;

static leveldb_t *ldb;
static leveldb_options_t *lopt;
static leveldb_readoptions_t *lread;
static leveldb_writeoptions_t *lwrite_nosync, *lwrite_sync;
static leveldb_writebatch_t *lbatch;

static rocksdb_t *rdb;
static rocksdb_options_t *ropt;
static rocksdb_readoptions_t *rread;
static rocksdb_writeoptions_t *rwrite_nosync, *rwrite_sync;
static rocksdb_writebatch_t *rbatch;

static sqlite3 *sdb;
static sqlite3_stmt *s_put, *s_get, *s_del, *s_seek, *s_scan, *s_scan_reverse, *s_begin, *s_commit;
static int s_sync_full = -1;
/* Directory size once the current benchmark's database is open (after a fresh_db deletion). */
static long long size_baseline;

static void die(const char *what, const char *detail) {
    fprintf(stderr, "peer_bench: %s: %s\n", what, detail ? detail : "");
    exit(1);
}

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static uint64_t rng_state;
static uint64_t splitmix_next(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static long uniform(long bound) { return (long)(splitmix_next(&rng_state) % (uint64_t)(bound > 0 ? bound : 1)); }

static void format_key(char *buffer, long k) {
    for (int i = KEY_SIZE - 1; i >= 0; i--) {
        buffer[i] = (char)('0' + k % 10);
        k /= 10;
    }
}

static void format_value(char *buffer, long k) {
    /* 'a' + (k + i) % 26, stepping the remainder instead of dividing per byte (as lsmkv bench does). */
    long letter = k % 26;
    for (long i = 0; i < value_size; i++) {
        buffer[i] = (char)('a' + letter);
        if (++letter == 26) letter = 0;
    }
}

static void set_key(long k) { format_key(key, k); }
static void set_value(long k) { format_value(value, k); }

static long long written_bytes(void) {
    FILE *f = fopen("/proc/self/io", "r");
    char line[128];
    long long n = 0;
    if (!f) return 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "wchar:", 6) == 0) n = atoll(line + 6);
    fclose(f);
    return n;
}

static long long directory_size(const char *path) {
    DIR *d = opendir(path);
    struct dirent *e;
    long long total = 0;
    char name[4096];
    struct stat st;
    if (!d) return 0;
    while ((e = readdir(d)) != NULL) {
        snprintf(name, sizeof name, "%s/%s", path, e->d_name);
        if (stat(name, &st) == 0 && S_ISREG(st.st_mode)) total += st.st_size;
    }
    closedir(d);
    return total;
}

static void remove_directory(const char *path) {
    DIR *d = opendir(path);
    struct dirent *e;
    char name[4096];
    if (!d) return;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        snprintf(name, sizeof name, "%s/%s", path, e->d_name);
        unlink(name);
    }
    closedir(d);
    rmdir(path);
}

static void sqlite_check(int rc, const char *what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) die(what, sqlite3_errmsg(sdb));
}

static void sqlite_exec(const char *sql) {
    char *error = NULL;
    if (sqlite3_exec(sdb, sql, NULL, NULL, &error) != SQLITE_OK) die(sql, error);
}

static void sqlite_set_sync(int full) {
    if (s_sync_full == full) return;
    sqlite_exec(full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    s_sync_full = full;
}

static void db_close(void) {
    if (ldb) leveldb_close(ldb);
    ldb = NULL;
    if (rdb) rocksdb_close(rdb);
    rdb = NULL;
    if (sdb) {
        sqlite3_stmt *all[] = {s_put, s_get, s_del, s_seek, s_scan, s_scan_reverse, s_begin, s_commit};
        for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) sqlite3_finalize(all[i]);
        sqlite3_close(sdb);
        sdb = NULL;
        s_sync_full = -1;
    }
}

static int db_is_open(void) { return ldb || rdb || sdb; }

static void db_open(int fresh) {
    char *error = NULL;
    if (fresh) {
        db_close();
        remove_directory(dir);
    }
    if (db_is_open()) {
        size_baseline = directory_size(dir);
        return;
    }
    switch (kind) {
    case LEVELDB:
        ldb = leveldb_open(lopt, dir, &error);
        if (error) die("leveldb_open", error);
        break;
    case ROCKSDB:
        rdb = rocksdb_open(ropt, dir, &error);
        if (error) die("rocksdb_open", error);
        break;
    case SQLITE: {
        char path[4096];
        mkdir(dir, 0755);
        snprintf(path, sizeof path, "%s/kv.sqlite", dir);
        if (sqlite3_open(path, &sdb) != SQLITE_OK) die("sqlite3_open", sqlite3_errmsg(sdb));
        sqlite3_busy_timeout(sdb, 10000); /* readwhilewriting's writer has a connection of its own */
        sqlite_exec("PRAGMA journal_mode=WAL");
        sqlite_exec("CREATE TABLE IF NOT EXISTS kv(k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID");
        sqlite_set_sync(sync_writes);
        sqlite_check(sqlite3_prepare_v2(sdb, "INSERT OR REPLACE INTO kv(k, v) VALUES(?, ?)", -1, &s_put, NULL), "prepare");
        sqlite_check(sqlite3_prepare_v2(sdb, "SELECT v FROM kv WHERE k = ?", -1, &s_get, NULL), "prepare");
        sqlite_check(sqlite3_prepare_v2(sdb, "DELETE FROM kv WHERE k = ?", -1, &s_del, NULL), "prepare");
        sqlite_check(sqlite3_prepare_v2(sdb, "SELECT k, v FROM kv WHERE k >= ? ORDER BY k LIMIT 1", -1, &s_seek, NULL),
                     "prepare");
        sqlite_check(sqlite3_prepare_v2(sdb, "SELECT k, v FROM kv ORDER BY k", -1, &s_scan, NULL), "prepare");
        sqlite_check(sqlite3_prepare_v2(sdb, "SELECT k, v FROM kv ORDER BY k DESC", -1, &s_scan_reverse, NULL),
                     "prepare");
        sqlite_check(sqlite3_prepare_v2(sdb, "BEGIN", -1, &s_begin, NULL), "prepare");
        sqlite_check(sqlite3_prepare_v2(sdb, "COMMIT", -1, &s_commit, NULL), "prepare");
        break;
    }
    }
    size_baseline = directory_size(dir);
}

static void sqlite_run(sqlite3_stmt *statement, const char *what) {
    int rc = sqlite3_step(statement);
    sqlite3_reset(statement);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) die(what, sqlite3_errmsg(sdb));
}

static void db_put(const char *k, size_t klen, int sync) {
    char *error = NULL;
    switch (kind) {
    case LEVELDB:
        leveldb_put(ldb, sync ? lwrite_sync : lwrite_nosync, k, klen, value, (size_t)value_size, &error);
        if (error) die("leveldb_put", error);
        break;
    case ROCKSDB:
        rocksdb_put(rdb, sync ? rwrite_sync : rwrite_nosync, k, klen, value, (size_t)value_size, &error);
        if (error) die("rocksdb_put", error);
        break;
    case SQLITE:
        sqlite_set_sync(sync);
        sqlite3_bind_blob(s_put, 1, k, (int)klen, SQLITE_STATIC);
        sqlite3_bind_blob(s_put, 2, value, (int)value_size, SQLITE_STATIC);
        sqlite_run(s_put, "insert");
        break;
    }
}

static void db_delete(int sync) {
    char *error = NULL;
    switch (kind) {
    case LEVELDB:
        leveldb_delete(ldb, sync ? lwrite_sync : lwrite_nosync, key, KEY_SIZE, &error);
        if (error) die("leveldb_delete", error);
        break;
    case ROCKSDB:
        rocksdb_delete(rdb, sync ? rwrite_sync : rwrite_nosync, key, KEY_SIZE, &error);
        if (error) die("rocksdb_delete", error);
        break;
    case SQLITE:
        sqlite_set_sync(sync);
        sqlite3_bind_blob(s_del, 1, key, KEY_SIZE, SQLITE_STATIC);
        sqlite_run(s_del, "delete");
        break;
    }
}

/* readwhilewriting's writer thread: its own key and value buffers (and SQLite connection). */
static atomic_int writer_stop;
static atomic_long writer_puts;

static void *writer_main(void *unused) {
    char wkey[KEY_SIZE + 1], *wvalue = malloc((size_t)value_size + 1), *error = NULL;
    uint64_t state = 7919;
    sqlite3 *wdb = NULL;
    sqlite3_stmt *wput = NULL;
    (void)unused;
    if (!wvalue) die("out of memory", NULL);
    if (kind == SQLITE) {
        char path[4096];
        snprintf(path, sizeof path, "%s/kv.sqlite", dir);
        if (sqlite3_open(path, &wdb) != SQLITE_OK) die("sqlite3_open (writer)", sqlite3_errmsg(wdb));
        sqlite3_busy_timeout(wdb, 10000);
        if (sqlite3_exec(wdb, sync_writes ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", NULL, NULL,
                         &error) != SQLITE_OK)
            die("pragma (writer)", error);
        if (sqlite3_prepare_v2(wdb, "INSERT OR REPLACE INTO kv(k, v) VALUES(?, ?)", -1, &wput, NULL) != SQLITE_OK)
            die("prepare (writer)", sqlite3_errmsg(wdb));
    }
    while (!atomic_load(&writer_stop)) {
        long k = (long)(splitmix_next(&state) % (uint64_t)(num > 0 ? num : 1));
        format_key(wkey, k);
        format_value(wvalue, k);
        switch (kind) {
        case LEVELDB:
            leveldb_put(ldb, sync_writes ? lwrite_sync : lwrite_nosync, wkey, KEY_SIZE, wvalue, (size_t)value_size,
                        &error);
            if (error) die("leveldb_put (writer)", error);
            break;
        case ROCKSDB:
            rocksdb_put(rdb, sync_writes ? rwrite_sync : rwrite_nosync, wkey, KEY_SIZE, wvalue, (size_t)value_size,
                        &error);
            if (error) die("rocksdb_put (writer)", error);
            break;
        case SQLITE: {
            int rc;
            sqlite3_bind_blob(wput, 1, wkey, KEY_SIZE, SQLITE_STATIC);
            sqlite3_bind_blob(wput, 2, wvalue, (int)value_size, SQLITE_STATIC);
            rc = sqlite3_step(wput);
            sqlite3_reset(wput);
            if (rc != SQLITE_DONE) die("insert (writer)", sqlite3_errmsg(wdb));
            break;
        }
        }
        atomic_fetch_add(&writer_puts, 1);
    }
    if (wdb) {
        sqlite3_finalize(wput);
        sqlite3_close(wdb);
    }
    free(wvalue);
    return NULL;
}

/* Returns 1 when found. */
static int db_get(const char *k, size_t klen) {
    char *error = NULL;
    size_t length = 0;
    char *result;
    int rc;
    switch (kind) {
    case LEVELDB:
        result = leveldb_get(ldb, lread, k, klen, &length, &error);
        if (error) die("leveldb_get", error);
        leveldb_free(result);
        return result != NULL;
    case ROCKSDB:
        result = rocksdb_get(rdb, rread, k, klen, &length, &error);
        if (error) die("rocksdb_get", error);
        rocksdb_free(result);
        return result != NULL;
    case SQLITE:
        sqlite3_bind_blob(s_get, 1, k, (int)klen, SQLITE_STATIC);
        rc = sqlite3_step(s_get);
        if (rc == SQLITE_ROW) (void)sqlite3_column_blob(s_get, 0);
        sqlite3_reset(s_get);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) die("select", sqlite3_errmsg(sdb));
        return rc == SQLITE_ROW;
    }
    return 0;
}

static void db_write_batch(long first, long end, int sync) {
    char *error = NULL;
    if (kind == SQLITE) {
        sqlite_set_sync(sync);
        sqlite_run(s_begin, "begin");
    }
    for (long k = first; k < end; k++) {
        set_key(k);
        set_value(k);
        switch (kind) {
        case LEVELDB: leveldb_writebatch_put(lbatch, key, KEY_SIZE, value, (size_t)value_size); break;
        case ROCKSDB: rocksdb_writebatch_put(rbatch, key, KEY_SIZE, value, (size_t)value_size); break;
        case SQLITE: db_put(key, KEY_SIZE, sync); break;
        }
    }
    switch (kind) {
    case LEVELDB:
        leveldb_write(ldb, sync ? lwrite_sync : lwrite_nosync, lbatch, &error);
        leveldb_writebatch_clear(lbatch);
        if (error) die("leveldb_write", error);
        break;
    case ROCKSDB:
        rocksdb_write(rdb, sync ? rwrite_sync : rwrite_nosync, rbatch, &error);
        rocksdb_writebatch_clear(rbatch);
        if (error) die("rocksdb_write", error);
        break;
    case SQLITE: sqlite_run(s_commit, "commit"); break;
    }
}

/* readseq (readreverse when `reverse`): time each step of one full-order cursor; returns entries read and adds
 * their bytes. */
static long db_readseq(long limit, long long *bytes, int reverse) {
    long n = 0;
    uint64_t t0 = now_ns(), t1;
    if (kind == LEVELDB || kind == ROCKSDB) {
        leveldb_iterator_t *li = kind == LEVELDB ? leveldb_create_iterator(ldb, lread) : NULL;
        rocksdb_iterator_t *ri = kind == ROCKSDB ? rocksdb_create_iterator(rdb, rread) : NULL;
        if (li) reverse ? leveldb_iter_seek_to_last(li) : leveldb_iter_seek_to_first(li);
        if (ri) reverse ? rocksdb_iter_seek_to_last(ri) : rocksdb_iter_seek_to_first(ri);
        while (n < limit && (li ? leveldb_iter_valid(li) : rocksdb_iter_valid(ri))) {
            size_t kl, vl;
            if (li) {
                (void)leveldb_iter_key(li, &kl);
                (void)leveldb_iter_value(li, &vl);
                reverse ? leveldb_iter_prev(li) : leveldb_iter_next(li);
            } else {
                (void)rocksdb_iter_key(ri, &kl);
                (void)rocksdb_iter_value(ri, &vl);
                reverse ? rocksdb_iter_prev(ri) : rocksdb_iter_next(ri);
            }
            *bytes += (long long)(kl + vl);
            t1 = now_ns();
            samples[n++] = t1 - t0;
            t0 = t1;
        }
        if (li) leveldb_iter_destroy(li);
        if (ri) rocksdb_iter_destroy(ri);
    } else {
        sqlite3_stmt *scan = reverse ? s_scan_reverse : s_scan;
        while (n < limit && sqlite3_step(scan) == SQLITE_ROW) {
            (void)sqlite3_column_blob(scan, 0);
            (void)sqlite3_column_blob(scan, 1);
            *bytes += sqlite3_column_bytes(scan, 0) + sqlite3_column_bytes(scan, 1);
            t1 = now_ns();
            samples[n++] = t1 - t0;
            t0 = t1;
        }
        sqlite3_reset(scan);
    }
    return n;
}

/* seekrandom: a new cursor positioned at `key`; returns 1 when it lands on `key` itself. */
static int db_seek(void) {
    int found = 0;
    size_t kl;
    const char *k;
    if (kind == LEVELDB) {
        leveldb_iterator_t *it = leveldb_create_iterator(ldb, lread);
        leveldb_iter_seek(it, key, KEY_SIZE);
        if (leveldb_iter_valid(it)) {
            k = leveldb_iter_key(it, &kl);
            found = kl == KEY_SIZE && memcmp(k, key, KEY_SIZE) == 0;
        }
        leveldb_iter_destroy(it);
    } else if (kind == ROCKSDB) {
        rocksdb_iterator_t *it = rocksdb_create_iterator(rdb, rread);
        rocksdb_iter_seek(it, key, KEY_SIZE);
        if (rocksdb_iter_valid(it)) {
            k = rocksdb_iter_key(it, &kl);
            found = kl == KEY_SIZE && memcmp(k, key, KEY_SIZE) == 0;
        }
        rocksdb_iter_destroy(it);
    } else {
        sqlite3_bind_blob(s_seek, 1, key, KEY_SIZE, SQLITE_STATIC);
        if (sqlite3_step(s_seek) == SQLITE_ROW) {
            k = sqlite3_column_blob(s_seek, 0);
            found = sqlite3_column_bytes(s_seek, 0) == KEY_SIZE && memcmp(k, key, KEY_SIZE) == 0;
        }
        sqlite3_reset(s_seek);
    }
    return found;
}

static int compare_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double percentile(long count, double p) {
    long index;
    if (count <= 0) return 0;
    index = (long)((double)count * p / 100.0 + 0.999999999) - 1;
    if (index >= count) index = count - 1;
    if (index < 0) index = 0;
    return (double)samples[index] / 1000.0;
}

static void report(const char *name, uint64_t start, long ops, long count, long long bytes, const char *message) {
    double elapsed = (double)(now_ns() - start) / 1e9;
    double micros = ops > 0 ? elapsed * 1e6 / (double)ops : 0;
    long rate = elapsed > 0 ? (long)((double)ops / elapsed) : 0;
    qsort(samples, (size_t)count, sizeof samples[0], compare_u64);
    printf("%-12s : %11.3f micros/op %ld ops/sec;", name, micros, rate);
    if (bytes > 0) printf(" %6.1f MB/s", (double)bytes / 1048576.0 / elapsed);
    if (message[0]) printf(" %s", message);
    printf("\n  latency p50/p99/p99.9: %.3f / %.3f / %.3f micros\n", percentile(count, 50), percentile(count, 99),
           percentile(count, 99.9));
}

static long long total_user, total_written;

static void run(const char *name) {
    long long written_before = written_bytes(), bytes = 0;
    long ops = 0, count = 0, found = 0, nreads = reads >= 0 ? reads : num;
    int is_write = strncmp(name, "fill", 4) == 0 || strcmp(name, "overwrite") == 0 ||
                   strcmp(name, "deleterandom") == 0;
    char message[64] = "";
    uint64_t start, t0;
    rng_state = 301;
    if (!strcmp(name, "fillseq") || !strcmp(name, "fillrandom") || !strcmp(name, "overwrite") ||
        !strcmp(name, "fillsync")) {
        int sync = !strcmp(name, "fillsync") || sync_writes;
        long n = !strcmp(name, "fillsync") ? (num / 100 > 0 ? num / 100 : 1) : num;
        db_open(strcmp(name, "overwrite") != 0);
        start = now_ns();
        for (long i = 0; i < n; i++) {
            long k = !strcmp(name, "fillseq") ? i : uniform(num);
            set_key(k);
            set_value(k);
            t0 = now_ns();
            db_put(key, KEY_SIZE, sync);
            samples[i] = now_ns() - t0;
        }
        ops = count = n;
        bytes = (long long)n * (KEY_SIZE + value_size);
    } else if (!strcmp(name, "fillbatch")) {
        db_open(1);
        start = now_ns();
        for (long i = 0; i < num; i += BATCH_SIZE) {
            t0 = now_ns();
            db_write_batch(i, i + BATCH_SIZE < num ? i + BATCH_SIZE : num, sync_writes);
            samples[count++] = now_ns() - t0;
        }
        ops = num;
        bytes = (long long)num * (KEY_SIZE + value_size);
        snprintf(message, sizeof message, "(latency per batch of %d)", BATCH_SIZE);
    } else if (!strcmp(name, "readrandom") || !strcmp(name, "readmissing")) {
        char missing[KEY_SIZE + 1];
        int is_missing = !strcmp(name, "readmissing");
        db_open(0);
        start = now_ns();
        for (long i = 0; i < nreads; i++) {
            set_key(uniform(num));
            t0 = now_ns();
            if (is_missing) {
                memcpy(missing, key, KEY_SIZE);
                missing[KEY_SIZE] = '.';
                found += db_get(missing, KEY_SIZE + 1);
            } else {
                found += db_get(key, KEY_SIZE);
            }
            samples[i] = now_ns() - t0;
        }
        ops = count = nreads;
        snprintf(message, sizeof message, "(%ld of %ld found)", found, nreads);
    } else if (!strcmp(name, "readwhilewriting")) {
        pthread_t writer;
        db_open(0);
        atomic_store(&writer_stop, 0);
        atomic_store(&writer_puts, 0);
        start = now_ns();
        if (pthread_create(&writer, NULL, writer_main, NULL) != 0) die("pthread_create", strerror(errno));
        for (long i = 0; i < nreads; i++) {
            set_key(uniform(num));
            t0 = now_ns();
            found += db_get(key, KEY_SIZE);
            samples[i] = now_ns() - t0;
        }
        atomic_store(&writer_stop, 1);
        pthread_join(writer, NULL);
        ops = count = nreads;
        snprintf(message, sizeof message, "(%ld of %ld found; %ld writes meanwhile)", found, nreads,
                 atomic_load(&writer_puts));
    } else if (!strcmp(name, "readseq") || !strcmp(name, "readreverse")) {
        db_open(0);
        start = now_ns();
        ops = count = db_readseq(nreads, &bytes, !strcmp(name, "readreverse"));
    } else if (!strcmp(name, "seekrandom")) {
        db_open(0);
        start = now_ns();
        for (long i = 0; i < nreads; i++) {
            set_key(uniform(num));
            t0 = now_ns();
            found += db_seek();
            samples[i] = now_ns() - t0;
        }
        ops = count = nreads;
        snprintf(message, sizeof message, "(%ld of %ld found)", found, nreads);
    } else if (!strcmp(name, "deleterandom")) {
        db_open(0);
        start = now_ns();
        for (long i = 0; i < num; i++) {
            set_key(uniform(num));
            t0 = now_ns();
            db_delete(sync_writes);
            samples[i] = now_ns() - t0;
        }
        ops = count = num;
        bytes = (long long)num * KEY_SIZE;
    } else if (!strcmp(name, "compact")) {
        /* Not a db_bench workload: a full manual compaction (`lsmkv compact`), so Scripts/callgrind-ops.sh
         * reads a settled tree on both engines. SQLite has nothing to compact. */
        db_open(0);
        start = now_ns();
        if (kind == LEVELDB) leveldb_compact_range(ldb, NULL, 0, NULL, 0);
        if (kind == ROCKSDB) rocksdb_compact_range(rdb, NULL, 0, NULL, 0);
    } else {
        die("unknown benchmark", name);
        return;
    }
    report(name, start, ops, count, bytes, message);
    {
        long long written = written_bytes() - written_before;
        total_written += written;
        if (is_write) total_user += bytes;
        printf("  bytes written: %lld (wchar); directory growth %lld\n", written, directory_size(dir) - size_baseline);
    }
}

/* Appends 4 KiB and fdatasyncs it `num` times: the disk's synced-append rate. */
static int run_fsync(long n) {
    char path[4096], block[4096];
    int fd;
    uint64_t start;
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/fsync_probe", dir);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) die("open", strerror(errno));
    memset(block, 'x', sizeof block);
    start = now_ns();
    for (long i = 0; i < n; i++) {
        if (write(fd, block, sizeof block) != (ssize_t)sizeof block) die("write", strerror(errno));
        if (fdatasync(fd) != 0) die("fdatasync", strerror(errno));
    }
    {
        double elapsed = (double)(now_ns() - start) / 1e9;
        printf("%-12s : %11.3f micros/op %ld ops/sec; 4 KiB append + fdatasync\n", "fsync", elapsed * 1e6 / (double)n,
               (long)((double)n / elapsed));
    }
    close(fd);
    unlink(path);
    return 0;
}

static int flag(const char *argument, const char *name, const char **value) {
    size_t length = strlen(name);
    if (strncmp(argument, name, length) != 0) return 0;
    if (argument[length] == '=') {
        *value = argument + length + 1;
        return 1;
    }
    if (argument[length] == '\0') {
        *value = NULL;
        return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    const char *benchmarks = "fillseq,fillrandom,overwrite,readrandom,readmissing,readseq,seekrandom,deleterandom,"
                             "fillsync,fillbatch";
    const char *v;
    char *list, *name, *saveptr = NULL;
    int fsync_mode = 0, num_given = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: peer_bench leveldb|rocksdb|sqlite|fsync [--db DIR] [--benchmarks=LIST] [--num=N]\n"
                        "                  [--reads=N] [--value_size=BYTES] [--sync] [--use_existing_db]\n");
        return 2;
    }
    if (!strcmp(argv[1], "leveldb")) kind = LEVELDB;
    else if (!strcmp(argv[1], "rocksdb")) kind = ROCKSDB;
    else if (!strcmp(argv[1], "sqlite")) kind = SQLITE;
    else if (!strcmp(argv[1], "fsync")) fsync_mode = 1;
    else die("unknown engine", argv[1]);
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
#define NEXT_VALUE() (v ? v : (i + 1 < argc ? argv[++i] : (die("missing value for", a), "")))
        if (flag(a, "--db", &v)) dir = NEXT_VALUE();
        else if (flag(a, "--benchmarks", &v)) benchmarks = NEXT_VALUE();
        else if (flag(a, "--num", &v)) {
            num = atol(NEXT_VALUE());
            num_given = 1;
        } else if (flag(a, "--reads", &v)) reads = atol(NEXT_VALUE());
        else if (flag(a, "--value_size", &v)) value_size = atol(NEXT_VALUE());
        else if (flag(a, "--sync", &v)) sync_writes = !v || (strcmp(v, "0") && strcmp(v, "false"));
        else if (flag(a, "--use_existing_db", &v)) use_existing = !v || (strcmp(v, "0") && strcmp(v, "false"));
        else die("unknown option", a);
#undef NEXT_VALUE
    }
    if (fsync_mode) return run_fsync(num_given ? num : 1000);
    if (num < 0 || value_size < 0) die("bad --num or --value_size", NULL);
    samples = calloc((size_t)(num > reads ? num : reads) + 1, sizeof *samples);
    value = malloc((size_t)value_size + 1);
    if (!samples || !value) die("out of memory", NULL);

    lopt = leveldb_options_create();
    leveldb_options_set_create_if_missing(lopt, 1);
    leveldb_options_set_compression(lopt, leveldb_no_compression);
    leveldb_options_set_write_buffer_size(lopt, 4 << 20);
    leveldb_options_set_filter_policy(lopt, leveldb_filterpolicy_create_bloom(10));
    lread = leveldb_readoptions_create();
    lwrite_nosync = leveldb_writeoptions_create();
    lwrite_sync = leveldb_writeoptions_create();
    leveldb_writeoptions_set_sync(lwrite_sync, 1);
    lbatch = leveldb_writebatch_create();

    ropt = rocksdb_options_create();
    rocksdb_options_set_create_if_missing(ropt, 1);
    rocksdb_options_set_compression(ropt, rocksdb_no_compression);
    rocksdb_options_set_write_buffer_size(ropt, 4 << 20);
    {
        rocksdb_block_based_table_options_t *table = rocksdb_block_based_options_create();
        rocksdb_block_based_options_set_filter_policy(table, rocksdb_filterpolicy_create_bloom(10));
        rocksdb_options_set_block_based_table_factory(ropt, table);
    }
    rread = rocksdb_readoptions_create();
    rwrite_nosync = rocksdb_writeoptions_create();
    rwrite_sync = rocksdb_writeoptions_create();
    rocksdb_writeoptions_set_sync(rwrite_sync, 1);
    rbatch = rocksdb_writebatch_create();

    if (!use_existing) remove_directory(dir);
    printf("%-12s %s\n", argv[1],
           kind == SQLITE ? "WAL, WITHOUT ROWID, synchronous=NORMAL (FULL when syncing)"
                          : "compression off, 4 MiB write buffer, 10-bit Bloom filter");
    printf("Keys:        %d bytes each\nValues:      %ld bytes each\nEntries:     %ld\n", KEY_SIZE, value_size, num);
    printf("------------------------------------------------\n");
    list = strdup(benchmarks);
    for (name = strtok_r(list, ",", &saveptr); name; name = strtok_r(NULL, ",", &saveptr)) run(name);
    free(list);
    db_close();
    printf("bytes written: %lld (write() bytes, /proc/self/io wchar) for %lld bytes of keys+values written; "
           "write amplification %.2f; database size %lld bytes\n",
           total_written, total_user, total_user > 0 ? (double)total_written / (double)total_user : 0.0,
           directory_size(dir));
    return 0;
}
