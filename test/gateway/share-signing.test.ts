import { describe, expect, it } from 'vitest';
import { shareSigningOf } from '../../gateway/share/signing.ts';
import { DEFAULTS, StartupError, resolveSettings } from '../../shared/config/settings.ts';

// Which S3 pair signs share links, and where they point, from the settings as a user gives them.

const signing = (env: Record<string, string>, argv: string[] = []) => shareSigningOf(resolveSettings(argv, env).settings);

describe('share link signing settings', () => {
  it('signs with the first :ro pair when PAIL_SHARE_KEY is unset, else the first pair', () => {
    expect(signing({ PAIL_S3_KEYS: 'AKA:a-secret,AKB:b-secret:ro,AKC:c-secret:ro' }).key).toEqual({ accessKey: 'AKB', secretKey: 'b-secret', readOnly: true });
    expect(signing({ PAIL_S3_KEYS: 'AKA:a-secret,AKB:b-secret' }).key.accessKey).toBe('AKA');
  });

  it('signs with the pair PAIL_SHARE_KEY (--share-key) names', () => {
    expect(signing({ PAIL_S3_KEYS: 'AKA:a-secret,AKB:b-secret:ro', PAIL_SHARE_KEY: 'AKA' }).key.secretKey).toBe('a-secret');
    expect(signing({ PAIL_S3_KEYS: 'AKA:a-secret,AKB:b-secret:ro' }, ['--share-key', 'AKA']).key.accessKey).toBe('AKA');
  });

  it("signs with the S3 listener's default pair when PAIL_S3_KEYS is unset", () => {
    expect(signing({}).key).toEqual({ accessKey: 'pail', secretKey: 'pailsecret', readOnly: false });
  });

  it('refuses to start with a PAIL_SHARE_KEY that PAIL_S3_KEYS does not hold', () => {
    expect(() => signing({ PAIL_S3_KEYS: 'AKA:a-secret', PAIL_SHARE_KEY: 'AKGONE' })).toThrow(StartupError);
    expect(() => signing({ PAIL_SHARE_KEY: 'AKGONE' })).toThrow(/AKGONE.*pail/);
  });

  it('points at PAIL_S3_PUBLIC_URL (--s3-public-url) when set, else leaves the host to the request', () => {
    expect(signing({})).toMatchObject({ publicUrl: '', s3Port: DEFAULTS.s3Port, region: 'us-east-1' });
    expect(signing({ PAIL_S3_PORT: '9100', PAIL_S3_REGION: 'eu-west-3' })).toMatchObject({ publicUrl: '', s3Port: 9100, region: 'eu-west-3' });
    expect(signing({ PAIL_S3_PUBLIC_URL: 'https://s3.example.com/' }).publicUrl).toBe('https://s3.example.com');
    expect(signing({}, ['--s3-public-url', 'http://192.0.2.7:9000']).publicUrl).toBe('http://192.0.2.7:9000');
  });

  it.each(['s3.example.com', 'ftp://s3.example.com', 'https://s3.example.com/prefix', 'https://s3.example.com/?x=1', 'https://user:pw@s3.example.com'])(
    'refuses to start with PAIL_S3_PUBLIC_URL %j',
    (url) => {
      expect(() => signing({ PAIL_S3_PUBLIC_URL: url })).toThrow(StartupError);
    },
  );
});
