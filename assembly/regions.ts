// The codec's own memory: a bump heap above the static data. Regions (receive, send) grow in place
// when they are last on the heap and move to its end otherwise; there is no free(), so what a
// region leaves behind when it moves is bounded by its own size (growth at least doubles).

const PAGE: usize = 65536;
// Regions stay below 2 GiB, so that capacities double without overflowing.
export const MAX_REGION: usize = 0x7fff0000;
let heapEnd: usize = 0;

function ensureMemory(end: usize): bool {
  const have = (<usize>memory.size()) * PAGE;
  if (end <= have) return true;
  const pages = <i32>((end - have + PAGE - 1) / PAGE);
  return memory.grow(pages) >= 0;
}

// memmove (the runtimes' TypedArray.set and copyWithin, WASM's memory.copy) runs up to 20x slower on
// AMD Zen when the destination lies 1-31 bytes after the source modulo 4096 (glibc's `rep movsb`;
// `bench/micro/echo.bench.ts` shows it). Copies between the codec's own regions run at distances set
// by where the regions start: a message echoed from the shared receive area to the send region, a
// partial one parked from the area into a block. So those regions start at set places modulo a page:
// the area at 0, large blocks at AT_BLOCK, the send region at AT_SEND, and no such copy runs a few bytes
// short of a page multiple.
const PAGE_BYTES: usize = 4096;
export const AT_AREA: usize = 0;
export const AT_BLOCK: usize = 1024;
export const AT_SEND: usize = 2048;
// Regions smaller than this are placed anywhere (padding one would waste more than it holds).
export const PLACED_FROM: usize = 4096;

// A fresh region of `size` bytes at the end of the heap, 16-byte aligned, starting `at` bytes past a
// multiple of 4096 when `at` is given (below 4096, a multiple of 16); 0 if memory is exhausted.
export function allocRegion(size: usize, at: isize = -1): usize {
  if (heapEnd == 0) heapEnd = (__heap_base + 15) & ~<usize>15;
  if (at >= 0) heapEnd += (<usize>at - heapEnd) & (PAGE_BYTES - 1);
  const base = heapEnd;
  if (!ensureMemory(base + size)) return 0;
  heapEnd = base + ((size + 15) & ~<usize>15);
  return base;
}

// Grows the region [base, base+size) to `newSize` in place when it ends the heap; else returns a new
// region placed as allocRegion's `at` says (the caller copies what it keeps). 0 if memory is exhausted.
export function growRegion(base: usize, size: usize, newSize: usize, at: isize = -1): usize {
  if (base + ((size + 15) & ~<usize>15) == heapEnd) {
    if (!ensureMemory(base + newSize)) return 0;
    heapEnd = base + ((newSize + 15) & ~<usize>15);
    return base;
  }
  return allocRegion(newSize, at);
}
