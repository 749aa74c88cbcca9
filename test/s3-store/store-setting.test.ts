import { describe, expect, it } from 'vitest';
import { ConfigError, resolveSettings } from '../../shared/config/settings.ts';
import { parseStoreUrl, redactStoreUrl, StoreUrlError } from '../../shared/config/store-url.ts';

const SECRET = 'p%40ss%2Fw0rd-xyzzy';

describe('the store setting (PAIL_STORE, --store)', () => {
  it('is fs by default and takes fs or an s3+http(s) URL from the environment or the flag', () => {
    expect(resolveSettings([], {}).settings.store).toBe('fs');
    const url = `s3+http://AK:${SECRET}@127.0.0.1:7480/?prefix=pail-`;
    expect(resolveSettings([], { PAIL_STORE: url }).settings.store).toBe(url);
    expect(resolveSettings(['--store', 'fs'], { PAIL_STORE: url }).settings.store).toBe('fs');
    expect(resolveSettings([`--store=s3+https://AK:${SECRET}@s3.example:443/`], {}).settings.store).toContain('s3+https://');
  });

  it('refuses a bad store at start-up with a message that names the problem and never the secret', () => {
    const bad = [
      `http://AK:${SECRET}@127.0.0.1:7480/`,
      `s3+http://127.0.0.1:7480/`,
      `s3+http://AK:${SECRET}@127.0.0.1:7480/some/path`,
      `s3+http://AK:${SECRET}@127.0.0.1:7480/?prefix=Bad_Prefix`,
      `s3+http://AK:${SECRET}@127.0.0.1:7480/?bucket=x`,
      `s3+http://AK:${SECRET}@127.0.0.1:7480/?prefix=${'p'.repeat(60)}`,
      'not a url',
    ];
    for (const store of bad) {
      let message = '';
      try {
        resolveSettings(['--store', store], {});
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        message = (err as Error).message;
      }
      expect(message, store).toMatch(/--store \(PAIL_STORE\) takes fs or an s3\+http\(s\):\/\/ URL/);
      expect(message).not.toContain('xyzzy');
      expect(message).not.toContain('w0rd');
    }
  });

  it('reads the endpoint, the percent-decoded key pair, the prefix and the region', () => {
    expect(parseStoreUrl(`s3+http://AK:${SECRET}@127.0.0.1:7480/?prefix=pail-&region=eu-west-1`)).toEqual({
      endpoint: 'http://127.0.0.1:7480',
      accessKeyId: 'AK',
      secretAccessKey: 'p@ss/w0rd-xyzzy',
      prefix: 'pail-',
      region: 'eu-west-1',
    });
    expect(parseStoreUrl('s3+https://AK:S@s3.example/')).toMatchObject({ endpoint: 'https://s3.example', prefix: '', region: 'us-east-1' });
    expect(() => parseStoreUrl('s3+http://AK:S@h/?prefix=-x')).toThrow(StoreUrlError);
  });

  it('redacts the secret for logs', () => {
    expect(redactStoreUrl(`s3+http://AK:${SECRET}@127.0.0.1:7480/?prefix=p-`)).toBe('s3+http://AK:***@127.0.0.1:7480/?prefix=p-');
    expect(redactStoreUrl('fs')).toBe('fs');
  });
});
