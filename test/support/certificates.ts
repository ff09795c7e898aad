// Test certificates made with the openssl CLI: a CA, a leaf for 127.0.0.1 and localhost it signed, and a
// client certificate it signed (for servers that require one), its key also encrypted with a passphrase.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificates {
  /** PEM of the CA: what clients trust. */
  ca: string;
  cert: string;
  key: string;
  /** The leaf's key encrypted with KEY_PASSPHRASE (for servers given a `passphrase`). */
  keyEncrypted: string;
  /** A client certificate (CN "wasm-ws test client"), its key, and that key encrypted with CLIENT_PASSPHRASE. */
  clientCert: string;
  clientKey: string;
  clientKeyEncrypted: string;
}

export const CLIENT_PASSPHRASE = 'test passphrase';
export const KEY_PASSPHRASE = 'server test passphrase';

/** Made in a temporary directory, removed before it returns: the PEM texts are all a caller gets. */
export function makeCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'wasm-ws-certificates-'));
  try {
    return makeIn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function makeIn(dir: string): TestCertificates {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=wasm-ws test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  // A key and a certificate the CA signs for it: `name`.key, `name`.crt, with these extensions.
  const signed = (name: string, subject: string, extensions: string[]) => {
    ssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    writeFileSync(join(dir, `${name}.ext`), extensions.join('\n'));
    ssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    );
  };
  signed('leaf', '/CN=localhost', [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ]);
  signed('client', '/CN=wasm-ws test client', [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=clientAuth',
  ]);
  const encrypt = (name: string, passphrase: string) =>
    ssl(
      'pkcs8',
      '-topk8',
      '-in',
      `${name}.key`,
      '-out',
      `${name}.enc.key`,
      '-v2',
      'aes-256-cbc',
      '-passout',
      `pass:${passphrase}`,
    );
  encrypt('client', CLIENT_PASSPHRASE);
  encrypt('leaf', KEY_PASSPHRASE);
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return {
    ca: read('ca.crt'),
    cert: read('leaf.crt'),
    key: read('leaf.key'),
    keyEncrypted: read('leaf.enc.key'),
    clientCert: read('client.crt'),
    clientKey: read('client.key'),
    clientKeyEncrypted: read('client.enc.key'),
  };
}
