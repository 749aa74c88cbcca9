#!/usr/bin/env -S node --initial-old-space-size=32
// The `pail` command. Pail is written in TypeScript and run through tsx's loader, so no build step stands between a checkout and a working command.
//
// --initial-old-space-size: with it V8 treats the old generation's size as set and stops lowering its collection
// limit after each young collection. Without it the gateway, whose heap holds ~17 MB of code and schemas, ran a full
// collection every ~30 MiB of upload (the request body's buffers count as external memory) and spent about a third
// of its CPU there: 2.3–2.7 CPU-s per GiB PUT instead of 1.2–1.5. The benchmark reads its servers' flags from here.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
