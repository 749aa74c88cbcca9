import { DEFAULT_TCP_PORT } from '../protocol/version.ts';
import { parseStoreUrl, StoreUrlError } from './store-url.ts';

/**
 * Every setting of the bucket server and gateway, once: its flag, its
 * environment variable, its default and what it means. The CLI's flag parser
 * and help, and the README's configuration table, read this list.
 */
export interface SettingSpec {
  readonly key: keyof Settings;
  readonly flag: string;
  readonly env: string;
  readonly kind: 'string' | 'port' | 'bytes' | 'count' | 'ms' | 'store';
  readonly summary: string;
}

export interface Settings {
  host: string;
  tcpPort: number;
  httpPort: number;
  data: string;
  /** Where files are kept: `fs` (the data folder) or an S3 engine's URL, `s3+http://ACCESS:SECRET@HOST:PORT/?prefix=pail-`. */
  store: string;
  maxFileSize: number;
  maxLine: number;
  maxChunk: number;
  maxConnections: number;
  idleTimeoutMs: number;
  lineTimeoutMs: number;
  minBodyRate: number;
  quota: number;
  /** How long an upload session may go untouched before it is removed. */
  uploadTtlMs: number;
  token: string;
  readToken: string;
  logLevel: string;
  /** HOST:PORT of the bucket server the gateway and the CLI talk to; empty means host and tcpPort. */
  server: string;
  /** Extra origins (comma-separated) the gateway accepts besides its own. */
  origins: string;
  /** Proxies (addresses or CIDR ranges, comma-separated) whose X-Forwarded-For and -Proto the gateway believes. */
  trustProxy: string;
  /** API requests one client address may make to the gateway per minute. */
  rateLimit: number;
  /** Wrong tokens one client address may present per minute (to the gateway or the bucket server) before it must wait. */
  loginLimit: number;
  /** How long a gateway login lasts. */
  sessionTtlMs: number;
  /** Command lines one protocol console may send per second. */
  consoleRate: number;
  /** How long a client (the gateway, the CLI) waits for the next line of a reply. */
  replyTimeoutMs: number;
  /** Transfers (downloads, uploads, streamed listings) one client address may run through the gateway at once. */
  clientTransfers: number;
  /** Transfers the gateway runs at once for all clients together, each on a bucket server connection of its own. */
  gatewayTransfers: number;
  /** Port of the S3-compatible listener. */
  s3Port: number;
  /** The S3 listener's key pairs, `ACCESS:SECRET[:ro]` comma-separated; empty means the loopback-only default pair. */
  s3Keys: string;
  /** The region GetBucketLocation answers. */
  s3Region: string;
  /** Virtual-host addressing: a Host of BUCKET.DOMAIN names the bucket; empty means path style only. */
  s3Domain: string;
  /** The access key id of the PAIL_S3_KEYS pair that signs the web app's share links; empty means the first :ro pair, else the first. */
  shareKey: string;
  /** The S3 listener's base URL as a share link's recipient reaches it; empty means http://<the request's host name>:<s3Port>. */
  s3PublicUrl: string;
}

export const DEFAULTS: Readonly<Settings> = {
  host: '127.0.0.1',
  tcpPort: DEFAULT_TCP_PORT,
  httpPort: 8080,
  data: './data',
  store: 'fs',
  maxFileSize: 64 * 1024 ** 3,
  maxLine: 8 * 1024,
  maxChunk: 16 * 1024 ** 2,
  maxConnections: 1024,
  idleTimeoutMs: 5 * 60_000,
  lineTimeoutMs: 30_000,
  minBodyRate: 1024,
  quota: 0,
  uploadTtlMs: 24 * 3600_000,
  token: '',
  readToken: '',
  logLevel: 'info',
  server: '',
  origins: '',
  trustProxy: '',
  rateLimit: 6000,
  loginLimit: 10,
  sessionTtlMs: 12 * 3_600_000,
  consoleRate: 20,
  replyTimeoutMs: 60_000,
  clientTransfers: 8,
  // Well below the bucket server's maxConnections, which the gateway's commands, events and consoles also use.
  gatewayTransfers: 512,
  s3Port: 9000,
  s3Keys: '',
  s3Region: 'us-east-1',
  s3Domain: '',
  shareKey: '',
  s3PublicUrl: '',
};

/**
 * How long a body (an upload to the bucket server or the gateway) may start
 * slowly before its average rate is held to minBodyRate: every layer reads
 * this one figure.
 */
export const BODY_GRACE_MS = 10_000;

export const SETTINGS: readonly SettingSpec[] = [
  { key: 'host', flag: '--host', env: 'PAIL_HOST', kind: 'string', summary: 'address to bind' },
  { key: 'tcpPort', flag: '--port', env: 'PAIL_TCP_PORT', kind: 'port', summary: 'TCP port of the bucket server' },
  { key: 'httpPort', flag: '--http-port', env: 'PAIL_HTTP_PORT', kind: 'port', summary: 'HTTP port of the gateway' },
  { key: 'data', flag: '--data', env: 'PAIL_DATA', kind: 'string', summary: 'data folder' },
  {
    key: 'store',
    flag: '--store',
    env: 'PAIL_STORE',
    kind: 'store',
    summary:
      'where files are kept: fs (the data folder), or an S3 engine (Ceph RGW, any S3-compatible one) as s3+http://ACCESS_KEY:SECRET_KEY@HOST:PORT/?prefix=pail-&region=us-east-1 (s3+https:// for TLS; the secret percent-encoded; each bucket B is the engine bucket PREFIX+B, so bucket names have at most 63 minus the prefix\'s length characters, and pail-system is reserved)',
  },
  { key: 'maxFileSize', flag: '--max-file-size', env: 'PAIL_MAX_FILE_SIZE', kind: 'bytes', summary: 'largest file accepted (bytes, or with K/M/G/T)' },
  { key: 'maxLine', flag: '--max-line', env: 'PAIL_MAX_LINE', kind: 'bytes', summary: 'longest command line accepted' },
  { key: 'maxChunk', flag: '--max-chunk', env: 'PAIL_MAX_CHUNK', kind: 'bytes', summary: 'largest chunk of a chunked upload' },
  { key: 'maxConnections', flag: '--max-connections', env: 'PAIL_MAX_CONNECTIONS', kind: 'count', summary: 'connections served at once; more are refused with 421' },
  { key: 'idleTimeoutMs', flag: '--idle-timeout', env: 'PAIL_IDLE_TIMEOUT', kind: 'ms', summary: 'drop a silent connection after this long (ms, or with s/m)' },
  { key: 'lineTimeoutMs', flag: '--line-timeout', env: 'PAIL_LINE_TIMEOUT', kind: 'ms', summary: 'drop a client whose command line takes longer than this to arrive' },
  { key: 'minBodyRate', flag: '--min-rate', env: 'PAIL_MIN_RATE', kind: 'bytes', summary: `drop an upload slower than this many bytes per second (after ${BODY_GRACE_MS / 1000} s)` },
  { key: 'quota', flag: '--quota', env: 'PAIL_QUOTA', kind: 'bytes', summary: 'most bytes all buckets may hold together; 0 for no limit' },
  { key: 'uploadTtlMs', flag: '--upload-ttl', env: 'PAIL_UPLOAD_TTL', kind: 'ms', summary: 'remove an upload session untouched this long, its space given back (ms, or with s/m/h)' },
  { key: 'token', flag: '--token', env: 'PAIL_TOKEN', kind: 'string', summary: 'the access token: a server requires it of its clients, a client presents it (none by default); gateways sign their full logins with a key derived from it, so changing it ends them all' },
  { key: 'readToken', flag: '--read-token', env: 'PAIL_READ_TOKEN', kind: 'string', summary: 'a second, read-only access token; changing it ends every read-only login' },
  { key: 'server', flag: '--server', env: 'PAIL_SERVER', kind: 'string', summary: 'HOST:PORT of the bucket server to talk to (default: host and port above)' },
  { key: 'origins', flag: '--origins', env: 'PAIL_ORIGINS', kind: 'string', summary: 'extra origins the gateway accepts, comma-separated' },
  { key: 'trustProxy', flag: '--trust-proxy', env: 'PAIL_TRUST_PROXY', kind: 'string', summary: 'the load balancers or proxies in front of the gateways (addresses or CIDR ranges, comma-separated): their X-Forwarded-For gives the client address that limits count by, their X-Forwarded-Proto whether login cookies are Secure; none by default' },
  { key: 'rateLimit', flag: '--rate-limit', env: 'PAIL_RATE_LIMIT', kind: 'count', summary: 'gateway API requests one client address may make per minute; more get 429' },
  { key: 'loginLimit', flag: '--login-limit', env: 'PAIL_LOGIN_LIMIT', kind: 'count', summary: 'wrong tokens one client address may present per minute, to the gateway (login or bearer) or the bucket server (auth), counted by each process; then even the right one is refused until the minute ends' },
  { key: 'sessionTtlMs', flag: '--session-ttl', env: 'PAIL_SESSION_TTL', kind: 'ms', summary: 'how long a gateway login lasts from the login on (ms, or with s/m/h); any gateway with the same tokens honours it, and a copy of its cookie stays valid that long, even after logout' },
  { key: 'consoleRate', flag: '--console-rate', env: 'PAIL_CONSOLE_RATE', kind: 'count', summary: 'command lines one protocol console may send per second; more are refused, and past twice that it is closed' },
  { key: 'replyTimeoutMs', flag: '--reply-timeout', env: 'PAIL_REPLY_TIMEOUT', kind: 'ms', summary: 'how long a client (the gateway, the CLI) waits for the next line of a reply before it gives up and closes the connection' },
  { key: 'clientTransfers', flag: '--client-transfers', env: 'PAIL_CLIENT_TRANSFERS', kind: 'count', summary: 'transfers (downloads, uploads, file listings) one client address may run through the gateway at once; more wait their turn' },
  { key: 'gatewayTransfers', flag: '--gateway-transfers', env: 'PAIL_GATEWAY_TRANSFERS', kind: 'count', summary: 'transfers the gateway runs at once for all clients, each on a bucket server connection of its own; keep it below the bucket server\'s --max-connections' },
  { key: 's3Port', flag: '--s3-port', env: 'PAIL_S3_PORT', kind: 'port', summary: 'HTTP port of the S3-compatible listener' },
  { key: 's3Keys', flag: '--s3-keys', env: 'PAIL_S3_KEYS', kind: 'string', summary: 'S3 key pairs ACCESS_KEY:SECRET_KEY, comma-separated, a pair ending in :ro read-only; unset, the pair pail:pailsecret works and the S3 listener binds loopback only' },
  { key: 's3Region', flag: '--s3-region', env: 'PAIL_S3_REGION', kind: 'string', summary: 'the region the S3 listener names for its buckets (GetBucketLocation)' },
  { key: 's3Domain', flag: '--s3-domain', env: 'PAIL_S3_DOMAIN', kind: 'string', summary: 'S3 virtual-host addressing: a Host of BUCKET.DOMAIN names the bucket (path style always works)' },
  { key: 's3PublicUrl', flag: '--s3-public-url', env: 'PAIL_S3_PUBLIC_URL', kind: 'string', summary: "the S3 listener's base URL (scheme://host[:port]) as the recipient of a share link reaches it; unset, http://<the host name the web app was reached by>:<S3 port>" },
  { key: 'shareKey', flag: '--share-key', env: 'PAIL_SHARE_KEY', kind: 'string', summary: 'the access key id of the PAIL_S3_KEYS pair that signs share links (rotating its secret or removing it revokes them); unset, the first :ro pair, else the first pair' },
  { key: 'logLevel', flag: '--log-level', env: 'PAIL_LOG_LEVEL', kind: 'string', summary: 'pino log level: trace, debug, info, warn, error, silent' },
];

export class ConfigError extends Error {}

/** A configuration that would start but be unsafe or unusable; the process refuses to start. */
export class StartupError extends Error {}

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
const TIME_UNITS: Record<string, number> = { '': 1, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseValue(spec: SettingSpec, raw: string): string | number {
  const fail = (what: string) => new ConfigError(`${spec.flag} (${spec.env}) ${what}, got ${JSON.stringify(raw)}`);
  switch (spec.kind) {
    case 'string':
      return raw;
    case 'store':
      if (raw === 'fs') return raw;
      try {
        parseStoreUrl(raw);
      } catch (err) {
        // The store's own message names the URL with its secret hidden.
        if (err instanceof StoreUrlError) throw new ConfigError(`${spec.flag} (${spec.env}) takes fs or an s3+http(s):// URL: ${err.message}`);
        throw err;
      }
      return raw;
    case 'port': {
      const n = Number(raw);
      if (!/^\d+$/.test(raw) || n > 65535) throw fail('takes a port number 0–65535');
      return n;
    }
    case 'count': {
      const n = Number(raw);
      if (!/^\d+$/.test(raw) || n < 1) throw fail('takes a positive whole number');
      return n;
    }
    case 'bytes': {
      const m = /^(\d+)\s*([kmgt]?)(?:i?b)?$/i.exec(raw.trim());
      if (!m) throw fail('takes a byte count such as 1048576 or 10G');
      return Number(m[1]) * UNITS[m[2].toLowerCase()];
    }
    case 'ms': {
      const m = /^(\d+)\s*(ms|s|m|h)?$/i.exec(raw.trim());
      if (!m) throw fail('takes a duration such as 30000, 30s or 5m');
      return Number(m[1]) * TIME_UNITS[(m[2] ?? '').toLowerCase()];
    }
  }
}

/**
 * Settings from defaults, then environment variables, then flags (later wins).
 * Returns the settings and the arguments that were not settings flags.
 */
export function resolveSettings(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): { settings: Settings; rest: string[] } {
  const settings: Settings = { ...DEFAULTS };
  const assign = (spec: SettingSpec, raw: string) => {
    (settings as unknown as Record<string, string | number>)[spec.key] = parseValue(spec, raw);
  };
  for (const spec of SETTINGS) {
    const raw = env[spec.env];
    if (raw !== undefined && raw !== '') assign(spec, raw);
  }
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const flag = eq >= 0 ? arg.slice(0, eq) : arg;
    const spec = SETTINGS.find((s) => s.flag === flag);
    if (!spec) {
      rest.push(arg);
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new ConfigError(`${spec.flag} needs a value`);
    assign(spec, value);
  }
  return { settings, rest };
}

/** The bucket server address the gateway and the CLI should use. */
export function bucketServerAddress(settings: Settings): { host: string; port: number } {
  if (!settings.server) return { host: settings.host === '0.0.0.0' ? '127.0.0.1' : settings.host, port: settings.tcpPort };
  const at = settings.server.lastIndexOf(':');
  const host = at > 0 ? settings.server.slice(0, at).replace(/^\[|\]$/g, '') : settings.server;
  const port = at > 0 ? Number(settings.server.slice(at + 1)) : DEFAULTS.tcpPort;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ConfigError(`--server takes HOST:PORT, got ${settings.server}`);
  return { host, port };
}

/** `127.0.0.1:7070`, `[::1]:7070` */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Whether an address to bind is reachable only from this machine. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith('127.');
}
