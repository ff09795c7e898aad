// Runs the client scenarios in whichever runtime imports it (runtime-neutral: no node:*, Bun.*, Deno.*).
// The runtime's entry file (run-node.ts, run.bun.ts, run.deno.ts) starts that runtime's echo servers,
// builds the Env and calls runSuite. One JSON line per scenario goes to stdout: {name, ok, error, ms}.
// Nothing here calls exit: a socket or timer a scenario leaks keeps the process alive, and the parent
// (clients.test.ts) turns that hang into a failure.
import { scenarios as clientScenarios, type Env, type SuiteProxies } from './scenarios.ts';
import { deflateScenarios } from './deflate-scenarios.ts';
import { proxyScenarios } from './proxy-scenarios.ts';
import { streamScenarios } from './stream-scenarios.ts';
import { whatwgScenarios } from './whatwg-scenarios.ts';

const scenarios = [...clientScenarios, ...whatwgScenarios, ...deflateScenarios, ...proxyScenarios, ...streamScenarios];

export interface EchoServers {
  url: string;
  tlsUrl: string;
  /** The runtime's own server with permessage-deflate on, where it has one (Bun.serve). */
  deflateUrl?: string;
  stop(): Promise<void>;
}

/** What the parent passes to every runner, as JSON in the WSTEST_CONFIG environment variable. */
export interface SuiteConfig {
  scriptedUrl: string;
  /** ws's server with permessage-deflate (test/client/deflate-server.ts). */
  deflateUrl: string;
  /** A wss server that requires a client certificate (test/client/mtls-server.ts). */
  mtlsUrl: string;
  /** A client certificate the test CA signed, its key, and that key encrypted (CLIENT_PASSPHRASE). */
  clientCert: string;
  clientKey: string;
  clientKeyEncrypted: string;
  refusedUrl: string;
  proxies: SuiteProxies;
  beastUrl: string;
  beastTlsUrl: string;
  /** PEM of the Beast server's own certificate, trusted as a CA for its TLS port. */
  beastCa: string;
  /** The test CA (PEM) and the leaf it signed for 127.0.0.1/localhost, for the runtime's echo servers. */
  ca: string;
  cert: string;
  key: string;
  /** Run only the scenarios whose name starts with one of these. */
  only?: string[];
  /** Leave out the scenarios whose name starts with one of these. */
  skip?: string[];
}

const DEFAULT_TIMEOUT = 20_000;

/** The environment the scenarios see, from the parent's config and the runtime's client and servers. */
export function suiteEnv(
  runtime: Env['runtime'],
  client: Pick<Env, 'connect' | 'WebSocket' | 'WebSocketStream' | 'setEnv'>,
  config: SuiteConfig,
  echo: EchoServers,
): Env {
  return {
    runtime,
    ...client,
    echoUrl: echo.url,
    echoTlsUrl: echo.tlsUrl,
    echoDeflateUrl: echo.deflateUrl ?? null,
    ca: config.ca,
    beastUrl: config.beastUrl,
    beastTlsUrl: config.beastTlsUrl,
    beastTls: { ca: config.beastCa },
    scriptedUrl: config.scriptedUrl,
    deflateUrl: config.deflateUrl,
    mtlsUrl: config.mtlsUrl,
    clientCert: config.clientCert,
    clientKey: config.clientKey,
    clientKeyEncrypted: config.clientKeyEncrypted,
    refusedUrl: config.refusedUrl,
    proxies: config.proxies,
  };
}

export async function runSuite(env: Env, config: SuiteConfig, echo: EchoServers): Promise<void> {
  const selected = scenarios.filter(
    (s) =>
      (!config.only || config.only.some((prefix) => s.name.startsWith(prefix))) &&
      !(config.skip ?? []).some((prefix) => s.name.startsWith(prefix)),
  );
  try {
    for (const scenario of selected) {
      if (scenario.runtimes && !scenario.runtimes.includes(env.runtime)) continue;
      const started = performance.now();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = scenario.timeout ?? DEFAULT_TIMEOUT;
      let error: string | null = null;
      try {
        await Promise.race([
          scenario.run(env),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`timed out after ${timeout} ms`)), timeout);
          }),
        ]);
      } catch (e) {
        error =
          e instanceof Error
            ? `${e.name}: ${e.message}${(e as { code?: string }).code ? ` [${(e as { code?: string }).code}]` : ''}\n${e.stack ?? ''}`
            : String(e);
      } finally {
        clearTimeout(timer);
      }
      console.log(
        JSON.stringify({ name: scenario.name, ok: error === null, error, ms: Math.round(performance.now() - started) }),
      );
    }
  } finally {
    await echo.stop();
  }
}
