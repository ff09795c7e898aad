// Blocks for per-connection state (mirrors assembly/blocks.ts): sizes are powers of two from 32 bytes;
// a freed block goes on its size's free list and is reused. A 16-byte header before each block holds
// its size class.
#include "codec.h"

#define HEADER 16u
#define MIN_SHIFT 5
#define CLASSES 26

static usize free_lists[CLASSES];

static int32_t class_of(usize size) {
  const usize total = size + HEADER;
  if (total <= (1u << MIN_SHIFT)) return 0;
  return 32 - (int32_t)__builtin_clz((uint32_t)(total - 1)) - MIN_SHIFT;
}

usize block_alloc(usize size) {
  const int32_t c = class_of(size);
  if (c >= CLASSES) return 0;
  usize block = free_lists[c];
  if (block != 0) {
    free_lists[c] = load32(block + HEADER); // the next free block, kept in the freed payload
  } else {
    const usize bytes = (usize)1 << (c + MIN_SHIFT);
    block = alloc_region(bytes, bytes >= PLACED_FROM ? AT_BLOCK : ANYWHERE);
    if (block == 0) return 0;
    store32(block, (uint32_t)c);
  }
  return block + HEADER;
}

void block_free(usize ptr) {
  const usize block = ptr - HEADER;
  const uint32_t c = load32(block);
  store32(ptr, free_lists[c]);
  free_lists[c] = block;
}

// Whether a block for `size` bytes would be of a smaller class than the block at `ptr`: only then does
// trading the one for the other save memory (a trade within the class would move the bytes for nothing).
bool block_shrinks_to(usize ptr, usize size) { return class_of(size) < (int32_t)load32(ptr - HEADER); }

usize block_capacity(usize ptr) { return ((usize)1 << (load32(ptr - HEADER) + MIN_SHIFT)) - HEADER; }
