// The codec's ABI, written once: `node build/generate-abi.mjs` (run by build:wasm) writes assembly/abi.ts, csrc/abi.h,
// src/codec/abi.ts and the tables in assembly/ABI.md from it (and `--check` says whether they are current).
export const version = 7;

/** Events next() returns. [name, value, TypeScript name, meaning] */
export const events = [
  ['NEED_MORE', 0, 'NeedMore', 'all input consumed'],
  ['DATA', 1, 'Data', 'a data frame is complete'],
  ['PING', 2, 'Ping', 'a ping frame'],
  ['PONG', 3, 'Pong', 'a pong frame'],
  ['CLOSE', 4, 'Close', 'a close frame'],
  ['ERROR', 5, 'Error', 'a protocol error (sticky)'],
];

export const roles = [
  ['CLIENT', 0, 'Client', 'rejects masked frames, masks what it builds'],
  ['SERVER', 1, 'Server', 'requires masked frames'],
];

/** RFC 6455 §5.2 opcodes. */
export const opcodes = [
  ['CONTINUATION', 0, 'Continuation'],
  ['TEXT', 1, 'Text'],
  ['BINARY', 2, 'Binary'],
  ['CLOSE', 8, 'Close'],
  ['PING', 9, 'Ping'],
  ['PONG', 10, 'Pong'],
];

/** The record: i32 slots at the address init() returns. [name, slot, TypeScript name, meaning] */
export const recordSlots = 32;
export const slots = [
  ['EVENT', 0, 'Event', 'the last event next() returned'],
  ['OPCODE', 1, 'Opcode', "the frame's opcode"],
  ['FLAGS', 2, 'Flags', 'FIN and RSV1-3, as in the first header byte'],
  ['PAYLOAD_PTR', 3, 'PayloadPtr', "this frame's payload, unmasked"],
  ['PAYLOAD_LEN', 4, 'PayloadLen', ''],
  ['MSG_PTR', 5, 'MsgPtr', 'the message so far, contiguous'],
  ['MSG_LEN', 6, 'MsgLen', ''],
  ['MSG_OPCODE', 7, 'MsgOpcode', "the message's opcode (1 text, 2 binary)"],
  ['CLOSE_CODE', 8, 'CloseCode', "a close frame's code (1005 if none), or an error's"],
  ['ERROR_KIND', 9, 'ErrorKind', 'see the error kinds'],
  ['RX_WRITE_PTR', 10, 'RxWritePtr', 'where rx_reserve() made room'],
  ['RX_SPACE', 11, 'RxSpace', 'how much'],
  ['ERROR_OFFSET', 12, 'ErrorOffset', 'f64 over slots 12-13: stream offset of the byte where the error was detected'],
  ['TX_FRAME_PTR', 14, 'TxFramePtr', 'the frame tx_build() wrote'],
  ['TX_FRAME_LEN', 15, 'TxFrameLen', ''],
  ['MSG_RSV', 16, 'MsgRsv', "RSV bits of the message's first frame (RSV1: compressed, permessage-deflate)"],
];

/** Protocol errors: [name, kind, close code]. */
export const errors = [
  ['RSV_SET', 1, 1002],
  ['RESERVED_OPCODE', 2, 1002],
  ['CONTROL_FRAGMENTED', 3, 1002],
  ['CONTROL_TOO_LONG', 4, 1002],
  ['UNEXPECTED_CONTINUATION', 5, 1002],
  ['EXPECTED_CONTINUATION', 6, 1002],
  ['LENGTH_MSB_SET', 7, 1002],
  ['MASK_UNEXPECTED', 8, 1002],
  ['MASK_REQUIRED', 9, 1002],
  ['CLOSE_PAYLOAD_ONE_BYTE', 10, 1002],
  ['CLOSE_CODE_INVALID', 11, 1002],
  ['INVALID_UTF8', 12, 1007],
  ['INVALID_UTF8_CLOSE_REASON', 13, 1007],
  ['MESSAGE_TOO_BIG', 14, 1009],
];

/** Close codes a peer may send (RFC 6455 §7.4, the IANA registry): inclusive ranges. */
export const closeCodeRanges = [
  [1000, 1003],
  [1007, 1014],
  [3000, 4999],
];

/** The exports: [name, parameters, result ('' for none), what it does]. All integers are i32. */
export const functions = [
  ['abi_version', [], 'i32', `\`${version}\``],
  [
    'init',
    [],
    'i32',
    'Makes the record, the shared receive area (64 KiB) and the send region, once; returns the record address (0 if memory is exhausted).',
  ],
  [
    'ctx_new',
    ['role', 'maxMessage', 'allowedRsv'],
    'i32',
    'A new parser context, selected (0 if memory is exhausted). May grow memory.',
  ],
  ['ctx_free', ['ctx'], '', 'Returns the context and its buffer; nothing is selected after it.'],
  ['ctx_select', ['ctx'], '', 'Selects a context; the one selected before is parked first.'],
  [
    'ctx_park',
    [],
    'i32',
    "The selected context's read is processed: an incomplete message leaves the shared area for a block of its own; nothing pending, no block. Returns the free bytes after what it holds in its own block (RX_WRITE_PTR, RX_SPACE: where its next read can go in place), 0 with no block, -1 if memory is exhausted.",
  ],
  [
    'ctx_spill',
    ['min'],
    'i32',
    "The selected context's message under way holds at least `min` bytes: puts them in the record (MSG_PTR, MSG_LEN) for the caller to copy out at once, and drops them (they still count toward maxMessage); returns their number, else 0.",
  ],
  [
    'rx_area',
    [],
    'i32',
    'The shared receive area (64 KiB), where runtimes that read into a buffer of the caller read.',
  ],
  [
    'rx_reserve',
    ['min'],
    'i32',
    "At least `min` free bytes at the selected context's write position; 0 past its limit. May grow memory.",
  ],
  [
    'rx_reserve_own',
    ['min'],
    'i32',
    'As rx_reserve, for bytes the caller copies in from a buffer of its own: a context holding nothing gets a block of its own, not the shared area (a chunk that starts a large message is not copied again when parked). May grow memory.',
  ],
  ['rx_commit', ['n'], '', '`n` bytes were written at the write position.'],
  ['next', [], 'i32', 'Parses what it can and returns one event, filling the record.'],
  [
    'tx_reserve',
    ['len'],
    'i32',
    'Room for a frame with a `len`-byte payload in the send region; returns where the payload goes. May grow memory.',
  ],
  [
    'tx_build',
    ['b0', 'len', 'key', 'masked', 'src'],
    'i32',
    'Writes the header before the payload (masking it with `key` when `masked`); returns the frame start. With `src` not 0 the payload is taken from `src` in this memory (apart from the frame), copied and masked in one pass.',
  ],
  ['tx_space', [], 'i32', 'Payload bytes a frame can have without growing memory.'],
  ['tx_pin', [], '', 'The last frame is still read by a pending write: build later ones after it.'],
  ['tx_release', [], '', 'No pending write reads the send region any more.'],
  [
    'mask',
    ['ptr', 'len', 'key', 'keyOffset'],
    '',
    'XORs `len` bytes in place with the key, from key byte `keyOffset & 3`.',
  ],
  [
    'utf8_validate',
    ['ptr', 'len'],
    'i32',
    '-1 if valid UTF-8, else the index of the first byte that makes it invalid.',
  ],
];
