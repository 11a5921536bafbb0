/** TLS errors in the words the log uses: OpenSSL's own lines name functions and source files. */

/** Error codes a peer sends when our key is not its key. */
const WRONG_KEY = new Set([
  'ERR_SSL_BINDER_DOES_NOT_VERIFY',
  'ERR_SSL_SSLV3_ALERT_ILLEGAL_PARAMETER',
  'ERR_SSL_TLSV1_ALERT_DECRYPT_ERROR',
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_PSK_IDENTITY',
]);
const TAMPERED = new Set(['ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC', 'ERR_SSL_BAD_RECORD_MAC', 'ERR_SSL_SSLV3_ALERT_BAD_RECORD_MAC']);
const NOT_TLS = new Set([
  'ERR_SSL_HTTP_REQUEST',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'ERR_SSL_UNSUPPORTED_PROTOCOL',
]);

const TAMPERED_WORDS = 'a TLS record failed its integrity check (changed on the way)';

/** OpenSSL's reason in its error line ("...:SSL routines:function:reason:file:line:"), or the message. */
function opensslReason(message: string): string {
  const parts = message.split(':');
  const at = parts.indexOf('SSL routines');
  return at >= 0 && parts[at + 2] ? parts[at + 2] : message.split('\n')[0];
}

/** What a TLS error means, in words for the log; null when it is no TLS error (a reset, a timeout). */
export function tlsProblem(error: NodeJS.ErrnoException): string | null {
  const code = error.code ?? '';
  if (WRONG_KEY.has(code)) return 'wrong job key';
  // X.509 verification, with --tls-ca: the other end's certificate is not the site's.
  if (/^(UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|CERT_)/.test(code)) return `its certificate is not one --tls-ca signed (${code})`;
  if (TAMPERED.has(code)) return TAMPERED_WORDS;
  if (NOT_TLS.has(code)) return `spoke something other than TLS (${opensslReason(error.message)})`;
  if (code.startsWith('ERR_SSL_')) return `failed the TLS handshake (${opensslReason(error.message)})`;
  // A failure found while writing comes as EPROTO, with OpenSSL's reason in the message.
  if (code === 'EPROTO')
    return opensslReason(error.message).includes('bad record mac') ? TAMPERED_WORDS : `TLS failed (${opensslReason(error.message)})`;
  return null;
}

/**
 * Why an established connection ended, for "its connection ...": a TLS error said plainly,
 * any other as it is. Past the handshake TLS checks every record it reads, so one this end
 * refuses for any reason of its own (a MAC that fails, or a header the change made
 * unreadable: a bad type, version or length) was changed on the way; an alert is the
 * other end's word.
 */
export function socketProblem(error: NodeJS.ErrnoException): string {
  const problem = tlsProblem(error);
  if (problem === null) return error.message;
  const code = error.code ?? '';
  if (!code.startsWith('ERR_SSL_') || TAMPERED.has(code)) return `ended: ${problem}`;
  return `ended: ${code.includes('_ALERT_') ? `the other end ended TLS (${opensslReason(error.message)})` : TAMPERED_WORDS}`;
}
