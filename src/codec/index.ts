export { Codec, DEFAULT_MAX_MESSAGE, SharedCodec, type CodecOptions } from './codec.ts';
export { Event, Role, Opcode, Slot, errorKinds, type ErrorKind, type CodecExports, type CodecMemory } from './abi.ts';
export {
  availableBackends,
  codecModule,
  instantiateCodec,
  simdSupported,
  type Backend,
  type CodecModule,
} from './loader.ts';
