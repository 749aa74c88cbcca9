#!/usr/bin/env node
// The `pail` command. Pail is written in TypeScript and run through tsx's loader, so no build step stands between a checkout and a working command.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
