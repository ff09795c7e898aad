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

// A fresh region of `size` bytes at the end of the heap, 16-byte aligned; 0 if memory is exhausted.
export function allocRegion(size: usize): usize {
  if (heapEnd == 0) heapEnd = (__heap_base + 15) & ~<usize>15;
  const base = heapEnd;
  if (!ensureMemory(base + size)) return 0;
  heapEnd = base + ((size + 15) & ~<usize>15);
  return base;
}

// Grows the region [base, base+size) to `newSize` in place when it ends the heap; else returns a new
// region (the caller copies what it keeps). 0 if memory is exhausted.
export function growRegion(base: usize, size: usize, newSize: usize): usize {
  if (base + ((size + 15) & ~<usize>15) == heapEnd) {
    if (!ensureMemory(base + newSize)) return 0;
    heapEnd = base + ((newSize + 15) & ~<usize>15);
    return base;
  }
  return allocRegion(newSize);
}
