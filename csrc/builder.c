// Frame building (RFC 6455 §5.2), mirroring assembly/builder.ts: the payload is written first at a
// fixed distance after the start of the send region, the header right before it, so header and
// payload leave in one write.
#include "codec.h"

#define MAX_HEADER 14u
#define INITIAL_TX 65536u

static usize tx_base = 0;
static usize tx_cap = 0;
static usize tx_pinned = 0;  // bytes at tx_base still referenced by a pending write
static usize tx_payload = 0; // payload position of the frame being built
static usize tx_end = 0;     // end of the last frame built

usize tx_reserve_bytes(usize len) {
  if (len > MAX_REGION - tx_pinned - MAX_HEADER) return 0;
  const usize need = tx_pinned + MAX_HEADER + len;
  if (need > tx_cap) {
    usize cap = tx_cap == 0 ? INITIAL_TX : tx_cap << 1;
    while (cap < need) cap <<= 1;
    const usize base = tx_base == 0 ? alloc_region(cap, AT_SEND) : grow_region(tx_base, tx_cap, cap, AT_SEND);
    if (base == 0) return 0;
    // A moved region leaves the pinned frame where it is, untouched.
    if (base != tx_base) tx_pinned = 0;
    tx_base = base;
    tx_cap = cap;
  }
  tx_payload = tx_base + tx_pinned + MAX_HEADER;
  tx_end = tx_payload + len; // tx_pin() is right even for a frame the caller finished itself
  return tx_payload;
}

// Payload bytes a frame can have without growing memory.
usize tx_space_bytes(void) { return tx_cap > tx_pinned + MAX_HEADER ? tx_cap - tx_pinned - MAX_HEADER : 0; }

static inline usize header_size(usize len, bool masked) {
  return 2 + (len < 126 ? 0 : len < 65536 ? 2 : 8) + (masked ? 4 : 0);
}

// Writes the header before the payload at tx_payload and masks the payload when `masked`. With `src`
// (not 0) the payload is taken from there, in this memory and apart from the frame: copied and masked
// in one pass (an echo of a received message), not copied in by the caller and masked after.
usize tx_build_frame(int32_t b0, usize len, uint32_t key, bool masked, usize src) {
  const usize payload = tx_payload;
  const usize start = payload - header_size(len, masked);
  const uint32_t mask_bit = masked ? 0x80 : 0;
  store8(start, (uint32_t)b0);
  if (len < 126) {
    store8(start + 1, mask_bit | len);
  } else if (len < 65536) {
    store8(start + 1, mask_bit | 126);
    store16(start + 2, __builtin_bswap16((uint16_t)len));
  } else {
    store8(start + 1, mask_bit | 127);
    store64(start + 2, __builtin_bswap64((uint64_t)len));
  }
  const usize from = src != 0 ? src : payload;
  if (masked) {
    store32(payload - 4, key);
    mask_into(payload, from, len, key, 0);
  } else if (from != payload) {
    copy(payload, from, len);
  }
  tx_end = payload + len;
  put(R_TX_FRAME_PTR, (int32_t)start);
  put(R_TX_FRAME_LEN, (int32_t)(payload + len - start));
  return start;
}

// Pins up to the end of the last frame reserved in this region (nothing if there is none).
void tx_pin_frame(void) { tx_pinned = tx_end > tx_base && tx_end <= tx_base + tx_cap ? tx_end - tx_base : 0; }

void tx_release_frame(void) { tx_pinned = 0; }
