// What the benchmarks send: JSON-like text, as a market-data feed sends it (the compressible kind that
// permessage-deflate is for), shared by the request/response loop and the micro-benchmarks.

/**
 * `n` bytes of JSON-like text, as a market-data feed sends it: an array of small objects with repeated
 * keys and pseudo-random numbers (ASCII, so cutting it at `n` keeps it valid UTF-8).
 */
export function jsonText(n: number, seed = 12345): Uint8Array {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  const symbols = ['BTC-USD', 'ETH-USD', 'SOL-USD', 'AAPL', 'MSFT', 'EUR-USD'];
  let text = '[';
  for (let i = 0; text.length < n; i++) {
    const symbol = symbols[Math.floor(next() * symbols.length)];
    const price = (100 + next() * 60000).toFixed(2);
    const size = (next() * 10).toFixed(4);
    const side = next() < 0.5 ? 'buy' : 'sell';
    text += `${i ? ',' : ''}{"type":"trade","symbol":"${symbol}","price":${price},"size":${size},"side":"${side}","id":${1e9 + i},"ts":${1764400000000 + i * 7}}`;
  }
  return new TextEncoder().encode(text.slice(0, n));
}
