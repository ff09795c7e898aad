// The C backend of the codec: the same ABI as assembly/ (see assembly/ABI.md), written in C11 and
// compiled with Emscripten to a standalone .wasm that imports nothing. No libc, no malloc: memory is
// a bump heap above __heap_base grown with memory.grow, exactly as assembly/regions.ts does it.
//
// Addresses are `usize` (u32) integers, as in AssemblyScript's wasm32 `usize`, so that the
// arithmetic (and its wrap-around) is the same as the AssemblyScript code it mirrors.
#ifndef WASM_WS_CODEC_H
#define WASM_WS_CODEC_H

#include <stdbool.h>
#include <stdint.h>

typedef uint32_t usize;

#define EXPORT(name) __attribute__((export_name(name), visibility("default")))

// ---- memory access (unaligned loads and stores compile to plain wasm loads/stores, align=1) ----

static inline uint32_t load8(usize p) { return *(const uint8_t *)(uintptr_t)p; }
static inline void store8(usize p, uint32_t v) { *(uint8_t *)(uintptr_t)p = (uint8_t)v; }
static inline uint16_t load16(usize p) { uint16_t v; __builtin_memcpy(&v, (const void *)(uintptr_t)p, 2); return v; }
static inline void store16(usize p, uint16_t v) { __builtin_memcpy((void *)(uintptr_t)p, &v, 2); }
static inline uint32_t load32(usize p) { uint32_t v; __builtin_memcpy(&v, (const void *)(uintptr_t)p, 4); return v; }
static inline void store32(usize p, uint32_t v) { __builtin_memcpy((void *)(uintptr_t)p, &v, 4); }
static inline uint64_t load64(usize p) { uint64_t v; __builtin_memcpy(&v, (const void *)(uintptr_t)p, 8); return v; }
static inline void store64(usize p, uint64_t v) { __builtin_memcpy((void *)(uintptr_t)p, &v, 8); }
// memory.copy (bulk memory): overlapping ranges allowed, like AssemblyScript's memory.copy.
static inline void copy(usize dst, usize src, usize n) { __builtin_memmove((void *)(uintptr_t)dst, (const void *)(uintptr_t)src, n); }

static inline uint32_t rotr32(uint32_t x, uint32_t s) { return (x >> (s & 31)) | (x << ((32 - s) & 31)); }

// ---- the ABI: events, roles, opcodes, record slots, error kinds, close codes (generated) ----

#include "abi.h"

extern usize record;

// Regions stay below 2 GiB: capacities double without overflowing.
#define MAX_REGION 0x7fff0000u

static inline void put(int32_t slot, int32_t value) { store32(record + ((usize)slot << 2), (uint32_t)value); }
static inline void put_offset(double value) { __builtin_memcpy((void *)(uintptr_t)(record + ((usize)R_ERROR_OFFSET << 2)), &value, 8); }

// ---- the modules ----

// mask.c
static inline uint32_t rotate_key(uint32_t key, int32_t offset) { return rotr32(key, (uint32_t)((offset & 3) << 3)); }
void mask_into(usize dst, usize src, usize len, uint32_t key, int32_t offset);
static inline void mask_in_place(usize ptr, usize len, uint32_t key, int32_t offset) { mask_into(ptr, ptr, len, key, offset); }

// utf8.c
#define UTF8_ACCEPT 0u
extern uint32_t utf8_state;
extern int32_t utf8_error_index;
void utf8_init(void);
bool utf8_feed(usize ptr, usize len);
void utf8_reset(void);
int32_t utf8_check(usize ptr, usize len);

// regions.c: where regions start modulo a page (see regions.c); ANYWHERE for no constraint
#define ANYWHERE (-1)
#define AT_AREA 0
#define AT_BLOCK 1024
#define AT_SEND 2048
#define PLACED_FROM 4096u
usize alloc_region(usize size, int32_t at);
usize grow_region(usize base, usize size, usize new_size, int32_t at);

// blocks.c
usize block_alloc(usize size);
void block_free(usize ptr);
usize block_capacity(usize ptr);
bool block_shrinks_to(usize ptr, usize size);

// parser.c
bool parser_init(void);
usize shared_area(void);
usize ctx_create(int32_t role, usize max, uint32_t rsv);
void ctx_destroy(usize ctx);
void ctx_use(usize ctx);
int32_t ctx_done_reading(void);
usize ctx_spill_message(usize min);
usize parser_rx_reserve(usize min);
usize parser_rx_reserve_own(usize min);
void parser_rx_commit(usize n);
int32_t parser_next(void);

// builder.c
usize tx_reserve_bytes(usize len);
usize tx_space_bytes(void);
usize tx_build_frame(int32_t b0, usize len, uint32_t key, bool masked, usize src);
void tx_pin_frame(void);
void tx_release_frame(void);

#endif
