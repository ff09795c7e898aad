// Assertions for the scenarios that run inside Node, Bun and Deno (runtime-neutral: no node:assert).
// Shared by the client scenarios (test/client) and the hostile-peer scenarios (test/hostile).

export class AssertionError extends Error {
  override name = 'AssertionError';
}
export function fail(message: string): never {
  throw new AssertionError(message);
}
export function ok(value: unknown, message: string): asserts value {
  if (!value) fail(message);
}
export function eq<T>(actual: T, expected: T, what: string): void {
  if (!Object.is(actual, expected))
    fail(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}
export function sameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  if (actual.length !== expected.length) fail(`${what}: expected ${expected.length} bytes, got ${actual.length}`);
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] !== expected[i]) fail(`${what}: byte ${i} differs (${actual[i]} != ${expected[i]})`);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `promise`'s value, or an AssertionError naming `what` when it takes longer than `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>(
        (_, reject) => (timer = setTimeout(() => reject(new AssertionError(`${what}: not within ${ms} ms`)), ms)),
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
