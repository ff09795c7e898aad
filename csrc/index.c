// The codec's exports: the ABI in assembly/ABI.md, the same names and signatures as assembly/index.ts.
// Every export is an i32 function; `memory` is exported by the linker. The module imports nothing.
#include "codec.h"

usize record = 0;

EXPORT("abi_version") int32_t abi_version(void) { return ABI_VERSION; }

// Makes the record, the shared receive area and the send region; returns the record's address (0 if
// memory is exhausted). Once per module.
EXPORT("init") usize init(void) {
  if (record == 0) record = alloc_region((usize)RECORD_SLOTS << 2, ANYWHERE);
  if (record == 0 || !parser_init()) return 0;
  if (tx_reserve_bytes(0) == 0) return 0; // the send region exists from the start, so tx_space() is meaningful
  tx_release_frame();
  return record;
}

EXPORT("ctx_new") usize ctx_new(int32_t role, int32_t max_message, int32_t allowed_rsv) {
  return ctx_create(role, (usize)max_message, (uint32_t)allowed_rsv);
}

EXPORT("ctx_free") void ctx_free(usize ctx) { ctx_destroy(ctx); }

EXPORT("ctx_select") void ctx_select(usize ctx) { ctx_use(ctx); }

EXPORT("ctx_park") int32_t ctx_park(void) { return ctx_done_reading(); }

EXPORT("ctx_spill") int32_t ctx_spill(int32_t min) { return (int32_t)ctx_spill_message((usize)min); }

EXPORT("rx_area") usize rx_area(void) { return shared_area(); }

EXPORT("rx_reserve") usize rx_reserve(int32_t min) { return parser_rx_reserve((usize)min); }

EXPORT("rx_reserve_own") usize rx_reserve_own(int32_t min) { return parser_rx_reserve_own((usize)min); }

EXPORT("rx_commit") void rx_commit(int32_t n) { parser_rx_commit((usize)n); }

EXPORT("next") int32_t next(void) {
  const int32_t event = parser_next();
  put(R_EVENT, event); // NEED_MORE too: the record always shows the last event
  return event;
}

EXPORT("tx_reserve") usize tx_reserve(int32_t len) { return tx_reserve_bytes((usize)len); }

EXPORT("tx_build") usize tx_build(int32_t b0, int32_t len, int32_t key, int32_t masked, usize src) {
  return tx_build_frame(b0, (usize)len, (uint32_t)key, masked != 0, src);
}

EXPORT("tx_space") int32_t tx_space(void) { return (int32_t)tx_space_bytes(); }

EXPORT("tx_pin") void tx_pin(void) { tx_pin_frame(); }

EXPORT("tx_release") void tx_release(void) { tx_release_frame(); }

EXPORT("mask") void mask(usize ptr, int32_t len, int32_t key, int32_t key_offset) {
  mask_in_place(ptr, (usize)len, (uint32_t)key, key_offset);
}

EXPORT("utf8_validate") int32_t utf8_validate(usize ptr, int32_t len) { return utf8_check(ptr, (usize)len); }
