/** A body of `data` in 1 MiB pieces that stops after `before` bytes until `hold` settles: an upload caught mid-way. */
export async function* heldBody(data: Buffer, before: number, hold: Promise<void>): AsyncGenerator<Buffer> {
  const piece = 1024 * 1024;
  for (let at = 0; at < data.length; at += piece) {
    if (at >= before) await hold;
    yield data.subarray(at, Math.min(data.length, at + piece));
  }
}

/** A promise and the function that settles it. */
export function gate(): { hold: Promise<void>; release: () => void } {
  let release!: () => void;
  const hold = new Promise<void>((resolve) => (release = resolve));
  return { hold, release };
}
