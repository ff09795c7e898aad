// The WebIDL conversions (https://webidl.spec.whatwg.org/#js-type-mapping) that the WebSocket class and
// its events apply to their arguments, so that odd values behave as they do on a native WebSocket.

/** Overload resolution: fewer arguments than an operation requires is a TypeError. */
export function requireArguments(given: number, required: number, what: string): void {
  if (given < required)
    throw new TypeError(
      `${what}: ${required} argument${required === 1 ? '' : 's'} required, but only ${given} present`,
    );
}

/** DOMString: ToString, which throws a TypeError for a Symbol (String() would describe it instead). */
export function domString(value: unknown): string {
  if (typeof value === 'symbol') throw new TypeError('Cannot convert a Symbol value to a string');
  return String(value);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** USVString: a DOMString with every lone surrogate replaced by U+FFFD. */
export function usvString(value: unknown): string {
  return domString(value).replace(LONE_SURROGATE, '\uFFFD');
}

/** ToNumber: unary plus, which throws a TypeError for a BigInt or a Symbol (Number() would not for a BigInt). */
function toNumber(value: unknown): number {
  return +(value as number);
}

/** An integer type without [Clamp] or [EnforceRange]: truncated, modulo 2^bits; NaN and infinities are 0. */
function modular(value: unknown, bits: number): number {
  const x = toNumber(value);
  if (!Number.isFinite(x)) return 0;
  const m = 2 ** bits;
  return ((Math.trunc(x) % m) + m) % m;
}

export const unsignedShort = (value: unknown): number => modular(value, 16);
export const unsignedLong = (value: unknown): number => modular(value, 32);

/** [Clamp] unsigned short: clamped to 0..65535 and rounded half to even; NaN is 0. */
export function clampedUnsignedShort(value: unknown): number {
  const x = toNumber(value);
  if (Number.isNaN(x)) return 0;
  const clamped = Math.min(Math.max(x, 0), 65535);
  const floor = Math.floor(clamped);
  const fraction = clamped - floor;
  return fraction > 0.5 || (fraction === 0.5 && floor % 2 === 1) ? floor + 1 : floor;
}

/**
 * An EventHandler attribute's new value. Its callback type is [LegacyTreatNonObjectAsNull]: any object
 * is kept, callable or not (one that is not callable is never called), and anything else becomes null.
 */
export function eventHandlerValue(value: unknown): object | null {
  return (typeof value === 'object' && value !== null) || typeof value === 'function' ? value : null;
}

// Buffer sources, read through the built-in getters (internal slots), not through properties a caller
// could shadow, and with brand checks that work across realms.
function getter(target: object, key: PropertyKey): (this: unknown) => unknown {
  const get = Object.getOwnPropertyDescriptor(target, key)?.get;
  if (!get) throw new Error(`wasm-ws: this runtime lacks ${String(key)}`);
  return get;
}
const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;
const typedArrayName = getter(TypedArrayPrototype, Symbol.toStringTag);
const typedArray = {
  buffer: getter(TypedArrayPrototype, 'buffer'),
  byteOffset: getter(TypedArrayPrototype, 'byteOffset'),
  byteLength: getter(TypedArrayPrototype, 'byteLength'),
};
const dataView = {
  buffer: getter(DataView.prototype, 'buffer'),
  byteOffset: getter(DataView.prototype, 'byteOffset'),
  byteLength: getter(DataView.prototype, 'byteLength'),
};
const arrayBufferByteLength = getter(ArrayBuffer.prototype, 'byteLength');
// Missing where the runtime has no resizable ArrayBuffers, and then none is resizable.
const arrayBufferResizable = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'resizable')?.get;
const EMPTY = new Uint8Array(0);

/** Whether `value` has [[ArrayBufferData]] and is not shared: the ArrayBuffer getter throws for anything else. */
function isArrayBuffer(value: unknown): value is ArrayBuffer {
  try {
    arrayBufferByteLength.call(value);
    return true;
  } catch {
    return false;
  }
}
function isDataView(value: unknown): value is DataView {
  try {
    dataView.buffer.call(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * The bytes of a BufferSource (an ArrayBuffer, a typed array or a DataView) as a Uint8Array over the
 * caller's memory (not a copy), or null when `value` is none of these (a SharedArrayBuffer included:
 * it has no BufferSource type to match). Without [AllowShared] or [AllowResizable], a view over a
 * SharedArrayBuffer, a resizable ArrayBuffer and a view over one are TypeErrors. A detached buffer
 * holds no bytes (WebIDL "get a copy of the bytes held by the buffer source").
 */
export function bufferSourceBytes(value: object): Uint8Array | null {
  let view: typeof typedArray | null = null;
  let buffer: unknown = value;
  if (typedArrayName.call(value) !== undefined) view = typedArray;
  else if (isDataView(value)) view = dataView;
  else if (!isArrayBuffer(value)) return null;
  if (view) {
    buffer = view.buffer.call(value);
    if (!isArrayBuffer(buffer)) throw new TypeError('A view over a SharedArrayBuffer is not a BufferSource');
  }
  const ab = buffer as ArrayBuffer;
  if (arrayBufferResizable?.call(ab))
    throw new TypeError('A resizable ArrayBuffer (or a view over one) is not a BufferSource');
  // Detached (or empty): nothing to read, and a DataView's getters would throw.
  if (arrayBufferByteLength.call(ab) === 0) return EMPTY;
  if (!view) return new Uint8Array(ab);
  return new Uint8Array(ab, view.byteOffset.call(value) as number, view.byteLength.call(value) as number);
}

/**
 * Interface members are enumerable in WebIDL (class syntax makes them not), and the prototype's
 * class string is the interface's name.
 */
export function exposeInterface(prototype: object, name: string, members: readonly string[]): void {
  for (const member of members) {
    const descriptor = Object.getOwnPropertyDescriptor(prototype, member);
    if (!descriptor) throw new Error(`wasm-ws: ${name}.prototype has no ${member}`);
    Object.defineProperty(prototype, member, { ...descriptor, enumerable: true });
  }
  Object.defineProperty(prototype, Symbol.toStringTag, {
    value: name,
    writable: false,
    enumerable: false,
    configurable: true,
  });
}
