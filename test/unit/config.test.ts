import { describe, expect, it } from 'vitest';
import { bucketServerAddress, ConfigError, DEFAULTS, resolveSettings } from '../../shared/config/settings.ts';

describe('settings', () => {
  it('start from the defaults: loopback, port 7070, ./data', () => {
    const { settings, rest } = resolveSettings([], {});
    expect([settings.host, settings.tcpPort, settings.data]).toEqual(['127.0.0.1', 7070, './data']);
    expect(rest).toEqual([]);
  });

  it('take PAIL_ variables, and flags over them', () => {
    const env = { PAIL_TCP_PORT: '9000', PAIL_DATA: '/srv/pail', PAIL_MAX_FILE_SIZE: '10G', PAIL_IDLE_TIMEOUT: '30s' };
    const { settings } = resolveSettings(['--port', '9100', '--max-line=4k', 'extra'], env);
    expect(settings.tcpPort).toBe(9100);
    expect(settings.data).toBe('/srv/pail');
    expect(settings.maxFileSize).toBe(10 * 1024 ** 3);
    expect(settings.maxLine).toBe(4096);
    expect(settings.idleTimeoutMs).toBe(30_000);
    expect(resolveSettings(['--port', '1', 'put', 'x'], {}).rest).toEqual(['put', 'x']);
  });

  it('refuse values that make no sense, naming the flag and the variable', () => {
    expect(() => resolveSettings(['--port', '70000'], {})).toThrow(ConfigError);
    expect(() => resolveSettings([], { PAIL_MAX_FILE_SIZE: 'lots' })).toThrow(/--max-file-size \(PAIL_MAX_FILE_SIZE\)/);
    expect(() => resolveSettings(['--port'], {})).toThrow(/needs a value/);
  });

  it('find the bucket server from --server, or from host and port', () => {
    expect(bucketServerAddress({ ...DEFAULTS })).toEqual({ host: '127.0.0.1', port: 7070 });
    expect(bucketServerAddress({ ...DEFAULTS, server: 'files.local:7171' })).toEqual({ host: 'files.local', port: 7171 });
    expect(bucketServerAddress({ ...DEFAULTS, server: '[::1]:7000' })).toEqual({ host: '::1', port: 7000 });
    expect(() => bucketServerAddress({ ...DEFAULTS, server: 'x:notaport' })).toThrow(ConfigError);
  });
});
