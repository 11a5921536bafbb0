/**
 * `--tls-cert`, `--tls-key`, `--tls-ca`: for a site with its own certificate authority, the
 * links' TLS uses its certificates instead of the job key's PSK (secure-socket.ts). Both ends
 * show a certificate and take the other's only if `--tls-ca` signed it; which rank each is,
 * the job key's handshake still proves inside.
 */
import { createSecureContext } from 'node:tls';
import { readRegularFileSync } from '../../job/read-file.js';
import { InputError } from '../../run/failures.js';

/** The three as PEM text. */
export interface SiteCertificates {
  cert: string;
  key: string;
  ca: string;
}

export interface CertificateFiles {
  cert?: string;
  key?: string;
  ca?: string;
}

/** A PEM file is a few KiB; a chain of a dozen, still under this. */
const MAX_PEM_BYTES = 1 << 20;

function readPem(option: string, path: string): string {
  try {
    return readRegularFileSync(path, MAX_PEM_BYTES);
  } catch (error) {
    throw new InputError(option, `cannot read ${path}: ${(error as { problem?: string }).problem ?? String(error)}`);
  }
}

/** The site's certificates, read and tried before anything starts; none when no option is given. */
export function readSiteCertificates(files: CertificateFiles): SiteCertificates | undefined {
  const given = (['cert', 'key', 'ca'] as const).filter((name) => files[name] !== undefined);
  if (given.length === 0) return undefined;
  if (given.length < 3) {
    const missing = (['cert', 'key', 'ca'] as const).filter((name) => files[name] === undefined).map((name) => `--tls-${name}`);
    throw new InputError(
      `--tls-${given[0]}`,
      `a site's certificates need all three of --tls-cert, --tls-key and --tls-ca: ${missing.join(' and ')} missing`,
    );
  }
  const certificates = {
    cert: readPem('--tls-cert', files.cert as string),
    key: readPem('--tls-key', files.key as string),
    ca: readPem('--tls-ca', files.ca as string),
  };
  try {
    createSecureContext(certificates);
  } catch (error) {
    // OpenSSL's words name the part that failed: a PEM that is none, a key that is not the certificate's.
    throw new InputError(
      '--tls-cert',
      `${files.cert}, ${files.key} and ${files.ca} do not make a TLS identity: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  return certificates;
}
