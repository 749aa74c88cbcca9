import { isIP } from 'node:net';
import { StartupError } from '../shared/config/settings.ts';

/** The names proxy-addr (Fastify's trustProxy) takes for whole ranges. */
const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * PAIL_TRUST_PROXY as the list Fastify's trustProxy takes: addresses, CIDR
 * ranges (`10.0.0.0/8`) or the names loopback, linklocal, uniquelocal. A
 * malformed entry stops the start with a sentence rather than a stack trace.
 */
export function parseTrustedProxies(text: string): string[] {
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  for (const entry of entries) {
    if (!isProxyEntry(entry)) {
      throw new StartupError(`PAIL_TRUST_PROXY: "${entry}" is not an address, a CIDR range (10.0.0.0/8) or one of loopback, linklocal, uniquelocal`);
    }
  }
  return entries;
}

function isProxyEntry(entry: string): boolean {
  if (RANGE_NAMES.has(entry)) return true;
  const [address, bits, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  const max = family === 4 ? 32 : 128;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= max;
}
