// Hardware CRC-32C (Castagnoli) for LSMKV: SSE4.2 crc32 on x86-64, the CRC32 extension on aarch64 Linux.
// Every other target reports "not available" and LSMKV keeps its software slicing-by-8 path.
#include "CCRC32C.h"

#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <nmmintrin.h>
#include <pthread.h>

int lsmkv_crc32c_hardware_available(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    return (ecx & bit_SSE4_2) != 0;
}

// Three independent streams hide the crc32 instruction's 3-cycle latency (one stream waits on each result; three
// issue one instruction per cycle). A round checksums three adjacent stripes of `stripe` bytes, the second and third
// from 0, and joins them: the instruction is linear in its register, so crc(A || B) = shift(crc(A)) ^ crc(B), where
// `shift` advances a register over `stripe` zero bytes, a linear map on 32 bits looked up one byte at a time.
enum { stripe = 256 };
static uint32_t shift_table[4][256];
static pthread_once_t shift_once = PTHREAD_ONCE_INIT;

__attribute__((target("sse4.2"))) static uint32_t shift_slow(uint32_t crc) {
    uint64_t c = crc;
    for (int i = 0; i < stripe / 8; i++) c = _mm_crc32_u64(c, 0);
    return (uint32_t)c;
}

static void build_shift_table(void) {
    for (int byte = 0; byte < 4; byte++) {
        for (uint32_t value = 0; value < 256; value++) shift_table[byte][value] = shift_slow(value << (8 * byte));
    }
}

static inline uint32_t shift(uint32_t crc) {
    return shift_table[0][crc & 0xff] ^ shift_table[1][(crc >> 8) & 0xff] ^ shift_table[2][(crc >> 16) & 0xff] ^
           shift_table[3][crc >> 24];
}

static inline uint64_t load64(const uint8_t *data) {
    uint64_t word;
    memcpy(&word, data, 8);
    return word;
}

__attribute__((target("sse4.2"))) uint32_t lsmkv_crc32c_extend(uint32_t crc, const uint8_t *data, size_t count) {
    uint64_t c = crc;
    // Byte steps up to 8-byte alignment, then rounds of three stripes, then 8 bytes per instruction, then the tail.
    while (count > 0 && ((uintptr_t)data & 7) != 0) {
        c = _mm_crc32_u8((uint32_t)c, *data++);
        count--;
    }
    if (count >= 3 * stripe) {
        pthread_once(&shift_once, build_shift_table);
        do {
            uint64_t b = 0, d = 0;
            for (size_t i = 0; i < stripe; i += 8) {
                c = _mm_crc32_u64(c, load64(data + i));
                b = _mm_crc32_u64(b, load64(data + stripe + i));
                d = _mm_crc32_u64(d, load64(data + 2 * stripe + i));
            }
            c = shift(shift((uint32_t)c) ^ (uint32_t)b) ^ (uint32_t)d;
            data += 3 * stripe;
            count -= 3 * stripe;
        } while (count >= 3 * stripe);
    }
    while (count >= 8) {
        c = _mm_crc32_u64(c, load64(data));
        data += 8;
        count -= 8;
    }
    while (count > 0) {
        c = _mm_crc32_u8((uint32_t)c, *data++);
        count--;
    }
    return (uint32_t)c;
}

#elif defined(__aarch64__) && defined(__linux__)
#include <arm_acle.h>
#include <sys/auxv.h>

#ifndef HWCAP_CRC32
#define HWCAP_CRC32 (1 << 7)
#endif

int lsmkv_crc32c_hardware_available(void) { return (getauxval(AT_HWCAP) & HWCAP_CRC32) != 0; }

__attribute__((target("crc"))) uint32_t lsmkv_crc32c_extend(uint32_t crc, const uint8_t *data, size_t count) {
    while (count >= 8) {
        uint64_t word;
        memcpy(&word, data, 8);
        crc = __crc32cd(crc, word);
        data += 8;
        count -= 8;
    }
    while (count > 0) {
        crc = __crc32cb(crc, *data++);
        count--;
    }
    return crc;
}

#else

int lsmkv_crc32c_hardware_available(void) { return 0; }

uint32_t lsmkv_crc32c_extend(uint32_t crc, const uint8_t *data, size_t count) {
    (void)data;
    (void)count;
    return crc;
}

#endif
