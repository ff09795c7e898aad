// Frame building (RFC 6455 §5.2): the payload is written first at a fixed distance after the start of
// the send region, the header right before it, so header and payload leave in one write.
import { maskInto } from "./mask";
import { allocRegion, growRegion, MAX_REGION, AT_SEND } from "./regions";
import { put } from "./record";
import { R_TX_FRAME_PTR, R_TX_FRAME_LEN } from "./abi";

const MAX_HEADER: usize = 14;
const INITIAL_TX: usize = 65536;

let txBase: usize = 0;
let txCap: usize = 0;
let txPinned: usize = 0; // bytes at txBase still referenced by a pending write
let txPayload: usize = 0; // payload position of the frame being built
let txEnd: usize = 0; // end of the last frame built

export function txReserve(len: usize): usize {
  if (len > MAX_REGION - txPinned - MAX_HEADER) return 0;
  const need = txPinned + MAX_HEADER + len;
  if (need > txCap) {
    let cap = txCap == 0 ? INITIAL_TX : txCap << 1;
    while (cap < need) cap <<= 1;
    const base = txBase == 0 ? allocRegion(cap, AT_SEND) : growRegion(txBase, txCap, cap, AT_SEND);
    if (base == 0) return 0;
    // A moved region leaves the pinned frame where it is, untouched.
    if (base != txBase) txPinned = 0;
    txBase = base;
    txCap = cap;
  }
  txPayload = txBase + txPinned + MAX_HEADER;
  txEnd = txPayload + len; // tx_pin() is right even for a frame the caller finished itself
  return txPayload;
}

// Payload bytes a frame can have without growing memory.
export function txSpace(): usize {
  return txCap > txPinned + MAX_HEADER ? txCap - txPinned - MAX_HEADER : 0;
}

export function headerSize(len: usize, masked: bool): usize {
  return 2 + (len < 126 ? 0 : len < 65536 ? 2 : 8) + (masked ? 4 : 0);
}

// Writes the header before the payload at txPayload and masks the payload when `masked`. With `src`
// (not 0) the payload is taken from there, in this memory and apart from the frame: copied and masked
// in one pass (an echo of a received message), not copied in by the caller and masked after.
export function txBuild(b0: i32, len: usize, key: u32, masked: bool, src: usize): usize {
  const payload = txPayload;
  const start = payload - headerSize(len, masked);
  const maskBit: u32 = masked ? 0x80 : 0;
  store<u8>(start, <u8>b0);
  if (len < 126) {
    store<u8>(start + 1, <u8>(maskBit | <u32>len));
  } else if (len < 65536) {
    store<u8>(start + 1, <u8>(maskBit | 126));
    store<u16>(start + 2, bswap<u16>(<u16>len));
  } else {
    store<u8>(start + 1, <u8>(maskBit | 127));
    store<u64>(start + 2, bswap<u64>(<u64>len));
  }
  const from = src != 0 ? src : payload;
  if (masked) {
    store<u32>(payload - 4, key);
    maskInto(payload, from, len, key, 0);
  } else if (from != payload) {
    memory.copy(payload, from, len);
  }
  txEnd = payload + len;
  put(R_TX_FRAME_PTR, <i32>start);
  put(R_TX_FRAME_LEN, <i32>(payload + len - start));
  return start;
}

// Pins up to the end of the last frame reserved in this region (nothing if there is none).
export function txPin(): void {
  txPinned = txEnd > txBase && txEnd <= txBase + txCap ? txEnd - txBase : 0;
}

export function txRelease(): void {
  txPinned = 0;
}
