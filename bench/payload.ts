// What the benchmarks send: JSON-like text, as a market-data feed sends it (the compressible kind that
// permessage-deflate is for), shared by the request/response loop and the micro-benchmarks.

/**
 * A string whose UTF-8 is exactly `n` bytes, mixing 1-, 2-, 3- and 4-byte characters (Latin, Greek,
 * CJK, emoji) as chat messages in many languages do: what --text sends, for UTF-8 validation end to end.
 */
export function utf8Text(n: number): string {
  const words = ['hello ', 'wörld ', 'καλημέρα ', '日本語の ', 'テキスト ', '😀🚀 ', 'naïve café ', 'Ελλάδα '];
  const encoder = new TextEncoder();
  let text = '';
  let bytes = 0;
  for (let i = 0; ; i++) {
    const word = words[i % words.length];
    const size = encoder.encode(word).length;
    if (bytes + size > n) break;
    text += word;
    bytes += size;
  }
  return text + 'x'.repeat(n - bytes);
}

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
