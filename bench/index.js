// `node bench`: Node runs the TypeScript benchmark through tsx (Bun and Deno run bench/main.ts directly).
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
