// The codec's own memory (mirrors assembly/regions.ts): a bump heap above the static data. Regions
// (receive, send) grow in place when they are last on the heap and move to its end otherwise; there
// is no free(), so what a region leaves behind when it moves is bounded by its own size (growth at
// least doubles). No malloc: pages come from memory.grow directly.
#include "codec.h"

#define PAGE 65536u

// Defined by the linker: the first byte after the static data and the stack.
extern unsigned char __heap_base;

static usize heap_end = 0;

static bool ensure_memory(usize end) {
  const usize have = (usize)__builtin_wasm_memory_size(0) * PAGE;
  if (end <= have) return true;
  const usize pages = (end - have + PAGE - 1) / PAGE;
  // memory.grow returns the old size in pages, or -1 (as size_t: all ones) when it cannot grow.
  return (int32_t)__builtin_wasm_memory_grow(0, pages) >= 0;
}

// memmove (the runtimes' TypedArray.set and copyWithin, WASM's memory.copy) runs up to 20x slower on
// AMD Zen when the destination lies 1-31 bytes after the source modulo 4096 (glibc's `rep movsb`;
// bench/micro/echo.bench.ts shows it). Copies between the codec's own regions run at distances set by
// where the regions start: a message echoed from the shared receive area to the send region, a partial
// one parked from the area into a block. So those regions start at set places modulo a page: the area
// at AT_AREA, large blocks at AT_BLOCK, the send region at AT_SEND (codec.h).
#define PAGE_BYTES 4096u

// A fresh region of `size` bytes at the end of the heap, 16-byte aligned, starting `at` bytes past a
// multiple of 4096 unless `at` is ANYWHERE (else below 4096, a multiple of 16); 0 if memory is exhausted.
usize alloc_region(usize size, int32_t at) {
  if (heap_end == 0) heap_end = ((usize)(uintptr_t)&__heap_base + 15) & ~(usize)15;
  if (at >= 0) heap_end += ((usize)at - heap_end) & (PAGE_BYTES - 1);
  const usize base = heap_end;
  if (!ensure_memory(base + size)) return 0;
  heap_end = base + ((size + 15) & ~(usize)15);
  return base;
}

// Grows the region [base, base+size) to `new_size` in place when it ends the heap; else returns a new
// region placed as alloc_region's `at` says (the caller copies what it keeps). 0 if memory is exhausted.
usize grow_region(usize base, usize size, usize new_size, int32_t at) {
  if (base + ((size + 15) & ~(usize)15) == heap_end) {
    if (!ensure_memory(base + new_size)) return 0;
    heap_end = base + ((new_size + 15) & ~(usize)15);
    return base;
  }
  return alloc_region(new_size, at);
}
