// Masking keys (RFC 6455 §5.3): a fresh key per frame from the platform's CSPRNG, drawn from a pool
// so that crypto.getRandomValues is called once per thousand frames, not per frame.
const POOL_SIZE = 1024;
const pool = new Int32Array(POOL_SIZE);
let index = POOL_SIZE;

export function nextMaskKey(): number {
  if (index === POOL_SIZE) {
    crypto.getRandomValues(pool);
    index = 0;
  }
  return pool[index++];
}
