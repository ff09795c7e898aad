// The lookup algorithm of assembly/utf8.ts's simdRun (Keiser & Lemire), native on 128-bit SSE (pshufb
// without the out-of-range fix-up wasm's swizzle needs), 64 bytes per error check: what 16-byte vectors
// can do on this CPU, the ceiling for a wasm v128 validator (RESULTS.md, "The ceiling of 16-byte
// vectors"). A measurement, not the codec: it checks whole blocks only, on the micro-benchmark's mixed
// text. Run: gcc -O3 -msse4.2 bench/micro/utf8-sse.c -o /tmp/utf8-sse && /tmp/utf8-sse (and -mavx2).
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TOO_SHORT (1 << 0)
#define TOO_LONG (1 << 1)
#define OVERLONG_3 (1 << 2)
#define TOO_LARGE (1 << 3)
#define SURROGATE (1 << 4)
#define OVERLONG_2 (1 << 5)
#define TOO_LARGE_1000 (1 << 6)
#define OVERLONG_4 (1 << 6)
#define TWO_CONTS (1 << 7)
#define CARRY (TOO_SHORT | TOO_LONG | TWO_CONTS)
#define LARGE (CARRY | TOO_LARGE | TOO_LARGE_1000)
#define CONT (TOO_LONG | OVERLONG_2 | TWO_CONTS)

static inline __m128i errors(__m128i prev, __m128i cur, __m128i t1, __m128i t2, __m128i t3, __m128i nib) {
  __m128i prev1 = _mm_alignr_epi8(cur, prev, 15);
  __m128i prev2 = _mm_alignr_epi8(cur, prev, 14);
  __m128i prev3 = _mm_alignr_epi8(cur, prev, 13);
  __m128i b1h = _mm_shuffle_epi8(t1, _mm_and_si128(_mm_srli_epi16(prev1, 4), nib));
  __m128i b1l = _mm_shuffle_epi8(t2, _mm_and_si128(prev1, nib));
  __m128i b2h = _mm_shuffle_epi8(t3, _mm_and_si128(_mm_srli_epi16(cur, 4), nib));
  __m128i special = _mm_and_si128(_mm_and_si128(b1h, b1l), b2h);
  __m128i must23 = _mm_and_si128(
      _mm_or_si128(_mm_subs_epu8(prev2, _mm_set1_epi8(0x60)), _mm_subs_epu8(prev3, _mm_set1_epi8(0x70))),
      _mm_set1_epi8((char)0x80));
  return _mm_xor_si128(special, must23);
}

// 1 if the whole 64-byte blocks of p are valid (the inputs here are multiples of 64 bytes).
static int validate(const uint8_t *p, size_t n) {
  const __m128i t1 = _mm_setr_epi8(TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG,
                                   TWO_CONTS, TWO_CONTS, TWO_CONTS, TWO_CONTS, TOO_SHORT | OVERLONG_2, TOO_SHORT,
                                   TOO_SHORT | OVERLONG_3 | SURROGATE, TOO_SHORT | TOO_LARGE | TOO_LARGE_1000 | OVERLONG_4);
  const __m128i t2 = _mm_setr_epi8(CARRY | OVERLONG_2 | OVERLONG_3 | OVERLONG_4, CARRY | OVERLONG_2, CARRY, CARRY,
                                   CARRY | TOO_LARGE, LARGE, LARGE, LARGE, LARGE, LARGE, LARGE, LARGE, LARGE,
                                   LARGE | SURROGATE, LARGE, LARGE);
  const __m128i t3 = _mm_setr_epi8(TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT,
                                   TOO_SHORT, CONT | OVERLONG_3 | TOO_LARGE_1000 | OVERLONG_4,
                                   CONT | OVERLONG_3 | TOO_LARGE, CONT | SURROGATE | TOO_LARGE,
                                   CONT | SURROGATE | TOO_LARGE, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT);
  const __m128i nib = _mm_set1_epi8(15);
  __m128i prev = _mm_setzero_si128(), err = _mm_setzero_si128();
  for (size_t i = 0; i + 64 <= n; i += 64) {
    __m128i a = _mm_loadu_si128((const __m128i *)(p + i));
    __m128i b = _mm_loadu_si128((const __m128i *)(p + i + 16));
    __m128i c = _mm_loadu_si128((const __m128i *)(p + i + 32));
    __m128i d = _mm_loadu_si128((const __m128i *)(p + i + 48));
    err = _mm_or_si128(err, _mm_or_si128(_mm_or_si128(errors(prev, a, t1, t2, t3, nib), errors(a, b, t1, t2, t3, nib)),
                                         _mm_or_si128(errors(b, c, t1, t2, t3, nib), errors(c, d, t1, t2, t3, nib))));
    prev = d;
  }
  return _mm_testz_si128(err, err);
}

int main(void) {
  const char *pieces[] = {"a", "\xc3\xa9", "\xd0\xb6", "\xc3\x9f", "\xe2\x82\xac", "\xe4\xb8\xad", "\xe0\xa4\xb9",
                          "\xf0\x9f\x98\x80", "\xf0\x9d\x84\x9e", " ", "\xc3\xbc", "\xe6\x96\x87", "\xf0\x9f\x9a\x80", "z"};
  size_t sizes[] = {1024, 65536};
  for (int s = 0; s < 2; s++) {
    size_t n = sizes[s];
    uint8_t *buf = aligned_alloc(64, n);
    size_t at = 0;
    for (int i = 0;; i++) {
      const char *piece = pieces[i % 14];
      size_t len = strlen(piece);
      if (at + len > n) break;
      memcpy(buf + at, piece, len);
      at += len;
    }
    memset(buf + at, '.', n - at);
    uint8_t *valid = malloc(n);
    memcpy(valid, buf, n);
    if (!validate(buf, n)) { printf("rejects valid text\n"); return 1; }
    buf[n / 2] = 0xff;
    if (validate(buf, n)) { printf("accepts invalid text\n"); return 1; }
    memcpy(buf, valid, n);
    long iters = (long)(4e9 / n);
    int ok = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < iters; i++) { __asm__ volatile("" ::"r"(buf) : "memory"); ok += validate(buf, n); }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("mixed %zu B: %.2f GB/s (%d)\n", n, (double)n * iters / secs / 1e9, ok == iters);
    free(valid);
    free(buf);
  }
  return 0;
}
