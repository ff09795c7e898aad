// Blocks for per-connection state (parser contexts, the buffers of incomplete messages): sizes are
// powers of two from 32 bytes; a freed block goes on its size's free list and is reused, so memory a
// connection returns serves the next one. A 16-byte header before each block holds its size class.
import { allocRegion, AT_BLOCK, PLACED_FROM } from "./regions";

const HEADER: usize = 16;
const MIN_SHIFT: i32 = 5; // 32-byte blocks
const CLASSES: i32 = 26; // up to 1 GiB
const FREE_LISTS: usize = memory.data(CLASSES << 2, 4);

function classOf(size: usize): i32 {
  const total = size + HEADER;
  if (total <= (<usize>1 << MIN_SHIFT)) return 0;
  return 32 - <i32>clz<u32>(<u32>(total - 1)) - MIN_SHIFT;
}

// A block of at least `size` bytes, 16-byte aligned; 0 if memory is exhausted or `size` too large.
export function blockAlloc(size: usize): usize {
  const c = classOf(size);
  if (c >= CLASSES) return 0;
  const list = FREE_LISTS + (<usize>c << 2);
  let block = load<usize>(list);
  if (block != 0) {
    store<usize>(list, load<usize>(block + HEADER)); // the next free block, kept in the freed payload
  } else {
    const bytes = <usize>1 << (c + MIN_SHIFT);
    block = allocRegion(bytes, bytes >= PLACED_FROM ? <isize>AT_BLOCK : -1);
    if (block == 0) return 0;
    store<u32>(block, <u32>c);
  }
  return block + HEADER;
}

export function blockFree(ptr: usize): void {
  const block = ptr - HEADER;
  const list = FREE_LISTS + (<usize>load<u32>(block) << 2);
  store<usize>(ptr, load<usize>(list));
  store<usize>(list, block);
}

// Whether a block for `size` bytes would be of a smaller class than the block at `ptr`: only then does
// trading the one for the other save memory (a trade within the class would move the bytes for nothing).
export function blockShrinksTo(ptr: usize, size: usize): bool {
  return classOf(size) < <i32>load<u32>(ptr - HEADER);
}

// Bytes the block can hold.
export function blockCapacity(ptr: usize): usize {
  return (<usize>1 << (load<u32>(ptr - HEADER) + MIN_SHIFT)) - HEADER;
}
