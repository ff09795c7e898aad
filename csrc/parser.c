// The incremental frame parser (RFC 6455 §5), mirroring assembly/parser.ts: an explicit state machine
// over a receive region in this module's memory. Bytes are read into the region by the caller, then
// parsed in place: payloads are unmasked, UTF-8-checked as they arrive (fail-fast), and fragments of
// one message are moved together so that a finished message is one contiguous view.
#include "codec.h"

#define SHARED_RX 65536u
#define MIN_OWNED 1024u
#define MAX_CONTROL_FRAME (2u + 8u + 4u + 125u) // the most unparsed bytes kept besides a message

// One module serves every connection of a thread (as in assembly/parser.ts). Reads land in the shared
// receive area; a connection whose message (or frame header) is incomplete when its read has been
// processed moves those bytes into a block of its own, read into until the message completes, then
// returned. The parser works on the selected context's state, held in the globals below and saved
// into its block on a switch.
static usize shared_base = 0;
static usize current = 0; // the selected context

static int32_t role = ROLE_CLIENT;
static usize max_message = 64u << 20;
static uint32_t allowed_rsv = 0;

static usize rx_base = 0;
static usize rx_cap = 0;
static bool owned = false;  // rx_base is a block of this context's, not the shared area
static usize read_pos = 0;  // next unparsed byte
static usize write_pos = 0; // end of received bytes
static double fed = 0;      // bytes fed since the context began, to locate errors in the stream

// The data message being assembled.
static bool msg_active = false;
static int32_t msg_opcode = 0;
static int32_t msg_rsv = 0; // RSV bits of its first frame (RSV1: compressed, with permessage-deflate)
static usize msg_start = 0;
static usize msg_len = 0; // bytes held here (from msg_start)
static usize spilled = 0; // bytes the caller took out with ctx_spill_message (they count toward max_message)

// The data frame whose payload is arriving.
static bool in_frame = false;
static int32_t fr_opcode = 0;
static int32_t fr_flags = 0;
static usize fr_len = 0;
static usize fr_done = 0;
static uint32_t fr_key = 0;
static bool fr_masked = false;
static usize fr_payload = 0;

static bool failed = false;

// A context's block: the state above, field by field (ABI.md, "Contexts").
enum {
  C_ROLE = 0,
  C_MAX_MESSAGE = 4,
  C_ALLOWED_RSV = 8,
  C_RX_BASE = 12,
  C_RX_CAP = 16,
  C_READ_POS = 20,
  C_WRITE_POS = 24,
  C_MSG_OPCODE = 28,
  C_MSG_START = 32,
  C_MSG_LEN = 36,
  C_FR_OPCODE = 40,
  C_FR_FLAGS = 44,
  C_FR_LEN = 48,
  C_FR_DONE = 52,
  C_FR_KEY = 56,
  C_FR_PAYLOAD = 60,
  C_UTF8_STATE = 64,
  C_BITS = 68, // owned, msg_active, in_frame, fr_masked, failed
  C_FED = 72,  // double
  C_SPILLED = 80,
  C_MSG_RSV = 84,
  CONTEXT_SIZE = 88,
};

static void save(usize ctx) {
  store32(ctx + C_ROLE, (uint32_t)role);
  store32(ctx + C_MAX_MESSAGE, max_message);
  store32(ctx + C_ALLOWED_RSV, allowed_rsv);
  store32(ctx + C_RX_BASE, rx_base);
  store32(ctx + C_RX_CAP, rx_cap);
  store32(ctx + C_READ_POS, read_pos);
  store32(ctx + C_WRITE_POS, write_pos);
  store32(ctx + C_MSG_OPCODE, (uint32_t)msg_opcode);
  store32(ctx + C_MSG_START, msg_start);
  store32(ctx + C_MSG_LEN, msg_len);
  store32(ctx + C_FR_OPCODE, (uint32_t)fr_opcode);
  store32(ctx + C_FR_FLAGS, (uint32_t)fr_flags);
  store32(ctx + C_FR_LEN, fr_len);
  store32(ctx + C_FR_DONE, fr_done);
  store32(ctx + C_FR_KEY, fr_key);
  store32(ctx + C_FR_PAYLOAD, fr_payload);
  store32(ctx + C_UTF8_STATE, utf8_state);
  const uint32_t bits = (owned ? 1u : 0u) | (msg_active ? 2u : 0u) | (in_frame ? 4u : 0u) | (fr_masked ? 8u : 0u) |
                        (failed ? 16u : 0u);
  store32(ctx + C_BITS, bits);
  __builtin_memcpy((void *)(uintptr_t)(ctx + C_FED), &fed, 8);
  store32(ctx + C_SPILLED, spilled);
  store32(ctx + C_MSG_RSV, (uint32_t)msg_rsv);
}

static void restore(usize ctx) {
  role = (int32_t)load32(ctx + C_ROLE);
  max_message = load32(ctx + C_MAX_MESSAGE);
  allowed_rsv = load32(ctx + C_ALLOWED_RSV);
  rx_base = load32(ctx + C_RX_BASE);
  rx_cap = load32(ctx + C_RX_CAP);
  read_pos = load32(ctx + C_READ_POS);
  write_pos = load32(ctx + C_WRITE_POS);
  msg_opcode = (int32_t)load32(ctx + C_MSG_OPCODE);
  msg_start = load32(ctx + C_MSG_START);
  msg_len = load32(ctx + C_MSG_LEN);
  fr_opcode = (int32_t)load32(ctx + C_FR_OPCODE);
  fr_flags = (int32_t)load32(ctx + C_FR_FLAGS);
  fr_len = load32(ctx + C_FR_LEN);
  fr_done = load32(ctx + C_FR_DONE);
  fr_key = load32(ctx + C_FR_KEY);
  fr_payload = load32(ctx + C_FR_PAYLOAD);
  utf8_state = load32(ctx + C_UTF8_STATE);
  const uint32_t bits = load32(ctx + C_BITS);
  owned = (bits & 1u) != 0;
  msg_active = (bits & 2u) != 0;
  in_frame = (bits & 4u) != 0;
  fr_masked = (bits & 8u) != 0;
  failed = (bits & 16u) != 0;
  __builtin_memcpy(&fed, (const void *)(uintptr_t)(ctx + C_FED), 8);
  spilled = load32(ctx + C_SPILLED);
  msg_rsv = (int32_t)load32(ctx + C_MSG_RSV);
}

// Nothing held: no message bytes (none yet, or all spilled) and no unparsed bytes.
static bool holds_nothing(void) { return (!msg_active || msg_len == 0) && read_pos == write_pos; }

// Nothing held: the next read goes to the shared area, and an owned block is returned.
static void to_shared(void) {
  if (owned) block_free(rx_base);
  owned = false;
  rx_base = read_pos = write_pos = msg_start = fr_payload = shared_base;
  rx_cap = SHARED_RX;
}

// Moves the message so far, then the unparsed bytes, to the start of a new block of at least `cap` bytes.
static bool move_to(usize cap) {
  const usize block = block_alloc(cap);
  if (block == 0) return false;
  usize dst = block;
  if (msg_active) {
    copy(dst, msg_start, msg_len);
    fr_payload = fr_payload - msg_start + dst;
    msg_start = dst;
    dst += msg_len;
  }
  const usize unparsed = write_pos - read_pos;
  copy(dst, read_pos, unparsed);
  read_pos = dst;
  write_pos = dst + unparsed;
  if (owned) block_free(rx_base);
  owned = true;
  rx_base = block;
  rx_cap = block_capacity(block);
  return true;
}

// An incomplete message or frame moves out of the shared area into a block of the context's own, sized
// for what its header announced; a context with nothing pending holds no buffer.
static bool park(void) {
  if (holds_nothing()) {
    to_shared();
    return true;
  }
  const usize used = (msg_active ? msg_len : 0) + (write_pos - read_pos);
  // Room for what the frame still announces, up to one more read: a peer announcing a large frame and
  // sending little gets a small block (parser_rx_reserve grows it as bytes come, up to max_message).
  usize rest = in_frame ? fr_len - fr_done : 0;
  if (rest > SHARED_RX) rest = SHARED_RX;
  if (rest < MIN_OWNED) rest = MIN_OWNED;
  const usize need = used + rest;
  // An owned block of a larger class than that needs (a large chunk pushed whole, or a message spilled)
  // is traded for one that fits: a context keeps at most about twice what it holds plus a read. Only
  // then: parked again with nothing new (whenever another context is selected) it keeps its block, where
  // a runtime may be reading in place (the free space ctx_park offered).
  if (owned && (rx_cap <= SHARED_RX || !block_shrinks_to(rx_base, need))) return true;
  return move_to(need);
}

// The selected context stops using the shared area (another is selected): its pending bytes move out.
static void leave(void) {
  if (current == 0) return;
  if (!park()) failed = true; // memory exhausted: the context reports an error from now on
  save(current);
}

// The shared receive area: where a runtime that reads into a caller's buffer reads (SHARED_RX bytes).
usize shared_area(void) { return shared_base; }

// The shared receive area, made once.
bool parser_init(void) {
  if (shared_base == 0) shared_base = alloc_region(SHARED_RX, AT_AREA);
  utf8_init();
  return shared_base != 0;
}

usize ctx_create(int32_t r, usize max, uint32_t rsv) {
  const usize ctx = block_alloc(CONTEXT_SIZE);
  if (ctx == 0) return 0;
  leave();
  current = ctx;
  role = r;
  max_message = max;
  allowed_rsv = rsv & 0x70;
  owned = msg_active = in_frame = fr_masked = failed = false;
  rx_base = read_pos = write_pos = msg_start = shared_base;
  rx_cap = SHARED_RX;
  msg_opcode = msg_rsv = fr_opcode = fr_flags = 0;
  msg_len = spilled = fr_len = fr_done = fr_payload = 0;
  fr_key = 0;
  fed = 0;
  utf8_reset();
  save(ctx);
  return ctx;
}

void ctx_use(usize ctx) {
  if (ctx == current) return;
  leave();
  restore(ctx);
  current = ctx;
}

void ctx_destroy(usize ctx) {
  ctx_use(ctx);
  if (owned) block_free(rx_base);
  block_free(ctx);
  current = 0;
}

// The read has been processed: see park(). -1 if memory is exhausted; otherwise the free bytes after
// what the context holds in a block of its own, where its next read can go in place (also put in the
// record as RX_WRITE_PTR and RX_SPACE), or 0 when it holds none (its next read goes to the shared area).
int32_t ctx_done_reading(void) {
  if (current == 0) return 0;
  const bool ok = park();
  save(current);
  if (!ok) return -1;
  if (!owned) return 0;
  const usize space = rx_base + rx_cap - write_pos;
  put(R_RX_WRITE_PTR, (int32_t)write_pos);
  put(R_RX_SPACE, (int32_t)space);
  return (int32_t)space;
}

// The message under way holds at least `min` bytes: they go to the caller (put in the record, copied out
// by the caller before anything else runs here) and leave this context, still counted toward
// max_message. Returns how many (0: fewer than `min`, or no message under way). Large messages are thus
// assembled outside this memory, which never shrinks: it holds at most `min` plus a read per message.
usize ctx_spill_message(usize min) {
  if (current == 0 || !msg_active || msg_len == 0 || msg_len < min) return 0;
  const usize n = msg_len;
  put(R_MSG_PTR, (int32_t)msg_start);
  put(R_MSG_LEN, (int32_t)n);
  spilled += n;
  msg_len = 0;
  fr_payload = msg_start; // the frame under way (if any) continues from here
  save(current);
  return n;
}

// Records a protocol error detected at address `at` (reported as a stream offset); sticky.
static int32_t fail(int32_t kind, usize at) {
  failed = true;
  put(R_CLOSE_CODE, close_code_of(kind));
  put(R_ERROR_KIND, kind);
  put_offset(fed - (double)(write_pos - at));
  return ERROR;
}

// Moves the assembled message, then the unparsed bytes, to the start of the region.
static void compact(void) {
  usize dst = rx_base;
  if (msg_active) {
    if (msg_start != dst) copy(dst, msg_start, msg_len);
    fr_payload = fr_payload - msg_start + dst;
    msg_start = dst;
    dst += msg_len;
  }
  const usize unparsed = write_pos - read_pos;
  if (read_pos != dst) copy(dst, read_pos, unparsed);
  read_pos = dst;
  write_pos = dst + unparsed;
}

usize parser_rx_reserve(usize min) {
  // With nothing held the shared area serves, but an own block with room stays for this read: the
  // caller may have read into it in place (as ctx_done_reading offered), and frames since handled no park.
  if (holds_nothing() && !(owned && rx_base + rx_cap - write_pos >= min)) {
    to_shared();
  } else if (rx_base + rx_cap - write_pos < min) {
    compact();
  }
  const usize used = write_pos - rx_base;
  if (rx_cap - used < min) {
    // Bounded: besides the message (≤ max_message), at most a partial header or control frame waits.
    if (used > max_message + MAX_CONTROL_FRAME || min > MAX_REGION - used) return 0;
    if (!move_to(used + min)) return 0;
  }
  put(R_RX_WRITE_PTR, (int32_t)write_pos);
  put(R_RX_SPACE, (int32_t)(rx_base + rx_cap - write_pos));
  return write_pos;
}

// As parser_rx_reserve, for bytes the caller copies in from a buffer of its own (a runtime's chunk): a
// context holding nothing takes a block of its own for them rather than the shared area, so that a chunk
// which starts a large message is not copied once more when it is parked (one that holds whole messages
// returns the block at its park).
usize parser_rx_reserve_own(usize min) {
  // Nothing to move (move_to copies no bytes), and no block of its own to return.
  if (holds_nothing() && !owned && min <= MAX_REGION && !move_to(min)) return 0;
  return parser_rx_reserve(min);
}

void parser_rx_commit(usize n) {
  write_pos += n;
  fed += (double)n;
}

// Takes in what has arrived of the current data frame's payload; reports the frame when complete.
static int32_t continue_frame(void) {
  const usize here = write_pos - read_pos, left = fr_len - fr_done;
  const usize n = here < left ? here : left;
  if (n > 0) {
    const usize src = read_pos;
    if (fr_masked) mask_in_place(src, n, rotate_key(fr_key, (int32_t)(fr_done & 3)), 0);
    // A compressed message's text is checked once inflated, by the caller.
    if (msg_opcode == OP_TEXT && (msg_rsv & 0x40) == 0 && !utf8_feed(src, n)) {
      return fail(E_INVALID_UTF8, src + (usize)utf8_error_index);
    }
    const usize dst = msg_start + msg_len;
    if (dst != src) copy(dst, src, n);
    msg_len += n;
    fr_done += n;
    read_pos += n;
  }
  if (fr_done < fr_len) return NEED_MORE;
  in_frame = false;
  const bool fin = (fr_flags & 0x80) != 0;
  if (fin) {
    if (msg_opcode == OP_TEXT && (msg_rsv & 0x40) == 0 && utf8_state != UTF8_ACCEPT) return fail(E_INVALID_UTF8, read_pos);
    msg_active = false;
  }
  put(R_OPCODE, fr_opcode);
  put(R_FLAGS, fr_flags);
  put(R_PAYLOAD_PTR, (int32_t)fr_payload);
  put(R_PAYLOAD_LEN, (int32_t)(msg_start + msg_len - fr_payload)); // the frame's bytes not spilled
  put(R_MSG_PTR, (int32_t)msg_start);
  put(R_MSG_LEN, (int32_t)msg_len);
  put(R_MSG_OPCODE, msg_opcode);
  put(R_MSG_RSV, msg_rsv);
  return DATA;
}

// The header being read (set by read_header, as ws's receiver keeps its _fin, _opcode, _payloadLength).
static uint32_t hd_b0 = 0;
static int32_t hd_opcode = 0;
static bool hd_masked = false;
static usize hd_size = 0; // header bytes, mask key included
static usize hd_len = 0;  // payload length
static uint32_t hd_key = 0;

// The first two header bytes: FIN, RSV bits, opcode, mask bit and the 7-bit length, checked against
// the role, the negotiated RSV bits and the message under way.
static int32_t read_info(usize p) {
  const uint32_t b0 = load8(p);
  const uint32_t b1 = load8(p + 1);
  const bool fin = (b0 & 0x80) != 0;
  const int32_t opcode = (int32_t)(b0 & 0x0f);
  const bool control = opcode >= OP_CLOSE;
  if ((b0 & 0x70 & ~allowed_rsv) != 0) return fail(E_RSV_SET, p);
  // RSV1, where allowed, marks a compressed message (RFC 7692 §6): only on its first frame, never on a control frame.
  if ((b0 & 0x40) != 0 && (opcode == OP_CONTINUATION || opcode >= OP_CLOSE)) return fail(E_RSV_SET, p);
  if ((opcode > OP_BINARY && opcode < OP_CLOSE) || opcode > OP_PONG) return fail(E_RESERVED_OPCODE, p);
  if (control && !fin) return fail(E_CONTROL_FRAGMENTED, p);
  if (opcode == OP_CONTINUATION && !msg_active) return fail(E_UNEXPECTED_CONTINUATION, p);
  if ((opcode == OP_TEXT || opcode == OP_BINARY) && msg_active) return fail(E_EXPECTED_CONTINUATION, p);
  const bool masked = (b1 & 0x80) != 0;
  if (masked && role == ROLE_CLIENT) return fail(E_MASK_UNEXPECTED, p + 1);
  if (!masked && role == ROLE_SERVER) return fail(E_MASK_REQUIRED, p + 1);
  if (control && (b1 & 0x7f) > 125) return fail(E_CONTROL_TOO_LONG, p + 1);
  hd_b0 = b0;
  hd_opcode = opcode;
  hd_masked = masked;
  return DATA;
}

// Reads and checks a whole header at read_pos: the first two bytes (read_info), the extended length and
// the mask key. DATA when it is complete, NEED_MORE when not all of it has arrived, or ERROR.
static int32_t read_header(void) {
  const usize avail = write_pos - read_pos;
  if (avail < 2) return NEED_MORE;
  const usize p = read_pos;
  const int32_t info = read_info(p);
  if (info != DATA) return info;
  const uint32_t len7 = load8(p + 1) & 0x7f;
  usize size = 2;
  usize len = len7;
  if (len7 == 126) {
    if (avail < 4) return NEED_MORE;
    len = __builtin_bswap16(load16(p + 2));
    size = 4;
  } else if (len7 == 127) {
    if (avail < 10) return NEED_MORE;
    const uint64_t len64 = __builtin_bswap64(load64(p + 2));
    if ((len64 >> 63) != 0) return fail(E_LENGTH_MSB_SET, p + 2);
    if (len64 > (uint64_t)max_message) return fail(E_MESSAGE_TOO_BIG, p + 9);
    len = (usize)len64;
    size = 10;
  }
  if (hd_opcode < OP_CLOSE) {
    const usize before = hd_opcode == OP_CONTINUATION ? spilled + msg_len : 0;
    if (len > max_message || before + len > max_message) return fail(E_MESSAGE_TOO_BIG, p + size - 1);
  }
  if (hd_masked) size += 4;
  if (avail < size) return NEED_MORE;
  hd_size = size;
  hd_len = len;
  hd_key = hd_masked ? load32(p + size - 4) : 0;
  return DATA;
}

// A control frame, whole (at most 125 bytes, never fragmented): unmasked and checked in place.
static int32_t control_frame(void) {
  const usize len = hd_len;
  if (write_pos - read_pos < hd_size + len) return NEED_MORE;
  const usize payload = read_pos + hd_size;
  if (hd_masked) mask_in_place(payload, len, hd_key, 0);
  int32_t code = 1005;
  if (hd_opcode == OP_CLOSE) {
    if (len == 1) return fail(E_CLOSE_PAYLOAD_ONE_BYTE, payload);
    if (len >= 2) {
      code = (int32_t)__builtin_bswap16(load16(payload));
      if (!is_valid_close_code(code)) return fail(E_CLOSE_CODE_INVALID, payload + 1);
      const int32_t bad = utf8_check(payload + 2, len - 2);
      if (bad >= 0) return fail(E_INVALID_UTF8_CLOSE_REASON, payload + 2 + (usize)bad);
    }
  }
  read_pos = payload + len;
  put(R_OPCODE, hd_opcode);
  put(R_FLAGS, (int32_t)(hd_b0 & 0xf0));
  put(R_PAYLOAD_PTR, (int32_t)payload);
  put(R_PAYLOAD_LEN, (int32_t)len);
  put(R_CLOSE_CODE, code);
  return hd_opcode == OP_PING ? PING : hd_opcode == OP_PONG ? PONG : CLOSE;
}

// A data frame's header is read: its payload follows the message so far (a new message starts here).
static void start_data_frame(void) {
  read_pos += hd_size;
  if (hd_opcode != OP_CONTINUATION) {
    msg_active = true;
    msg_opcode = hd_opcode;
    msg_rsv = (int32_t)(hd_b0 & 0x70);
    msg_start = read_pos;
    msg_len = spilled = 0;
    utf8_reset();
  }
  in_frame = true;
  fr_opcode = hd_opcode;
  fr_flags = (int32_t)(hd_b0 & 0xf0);
  fr_len = hd_len;
  fr_done = 0;
  fr_key = hd_key;
  fr_masked = hd_masked;
  fr_payload = msg_start + msg_len;
}

// One event per call: the payload of the data frame under way, else the next frame's header, then
// that frame (a control frame whole; a data frame's payload as it arrives).
int32_t parser_next(void) {
  if (failed) return ERROR;
  for (;;) {
    if (in_frame) return continue_frame();
    const int32_t header = read_header();
    if (header != DATA) return header; // NEED_MORE or ERROR
    if (hd_opcode >= OP_CLOSE) return control_frame();
    start_data_frame();
  }
}
