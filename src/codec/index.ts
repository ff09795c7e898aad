export { Codec, DEFAULT_MAX_MESSAGE, type CodecOptions } from './codec.ts';
export { Event, Role, Opcode, Slot, errorKinds, type ErrorKind, type CodecExports } from './abi.ts';
export { availableBackends, codecModule, instantiateCodec, simdSupported, type Backend } from './loader.ts';
