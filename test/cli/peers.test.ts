import { afterEach, describe, expect, it } from 'vitest';
import { Exit } from '../../cli/exit.ts';
import { httpPeer, peerThat, scriptedPeer, type StrangePeer } from '../helpers/strange-peers.ts';
import { runPail } from './harness.ts';

/** Servers that are not Pail, or misbehave: the CLI says what it found, in a sentence, and exits with the right status. */
describe('pail against a server that is not Pail', () => {
  let peer: StrangePeer | undefined;
  afterEach(async () => {
    await peer?.close();
    peer = undefined;
  });

  /** The CLI never shows a stack trace to a person. */
  function expectNoStack(stderr: string): void {
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(stderr).not.toMatch(/PeerGone|ReplyFormatError/);
  }

  it('exits 3 and says the server closed, when it accepts and closes before greeting', async () => {
    peer = await peerThat((socket) => socket.end());
    const run = await runPail(['ls', '--server', peer.address]);
    expect(run.status).toBe(Exit.unreachable);
    expect(run.stderr).toContain(`${peer.address} closed the connection before greeting`);
    expectNoStack(run.stderr);
  });

  it('exits 3 when the server resets the connection', async () => {
    peer = await peerThat((socket) => socket.resetAndDestroy());
    const run = await runPail(['ls', '--server', peer.address]);
    expect(run.status).toBe(Exit.unreachable);
    expectNoStack(run.stderr);
  });

  it('exits 3 and names what answered when the server speaks first but not Pail', async () => {
    peer = await peerThat((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    const run = await runPail(['ls', '--server', peer.address]);
    expect(run.status).toBe(Exit.unreachable);
    expect(run.stderr).toContain(`${peer.address} is not a Pail bucket server: it said "HTTP/1.1 400 Bad Request"`);
    expectNoStack(run.stderr);
  });

  it('gives up on a server that never greets, and says it answered HTTP when it does (the gateway port, say)', async () => {
    peer = await httpPeer();
    const started = Date.now();
    const run = await runPail(['ls', '--server', peer.address]);
    expect(run.status).toBe(Exit.unreachable);
    expect(run.stderr).toMatch(/is not a Pail bucket server: it answered HTTP .*The bucket server's TCP port is 7070/);
    expectNoStack(run.stderr);
    // The greeting's timeout (5 s) and one probe, not forever.
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('succeeds only on the command’s own success code: 401 BCMD is an error naming what came back', async () => {
    peer = await scriptedPeer(() => '401 BCMD comando no reconocido\n');
    for (const args of [['mb', 'photos'], ['rm', 'photos', 'a.txt'], ['rb', 'photos']]) {
      const run = await runPail([...args, '--server', peer.address]);
      expect(run.status, args.join(' ')).toBe(Exit.refused);
      expect(run.out, args.join(' ')).toBe('');
      expect(run.stderr, args.join(' ')).toContain('the server answered "401 BCMD comando no reconocido"');
      expectNoStack(run.stderr);
    }
  });

  it('gives up on a reply that never ends, after the reply timeout', async () => {
    // A listing that announces three rows and sends one.
    peer = await scriptedPeer((line) => (line.startsWith('ls_b') ? '500 BLS 3 buckets\nonly 1 0 2026-11-23T12:00:00.000Z\n' : undefined));
    const run = await runPail(['ls', '--server', peer.address, '--reply-timeout', '500ms']);
    expect(run.status).toBe(Exit.unreachable);
    expect(run.stderr).toContain('sent no reply within 500 ms');
    expectNoStack(run.stderr);
  });
});
