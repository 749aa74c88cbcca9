import { main as runClient } from '../cli/main.ts';
import { serve } from './serve.ts';
import { findService } from './services.ts';

/**
 * The `pail` program: the command-line client (cli/), which hands the words
 * that run Pail itself (server, gateway, start) back to the launcher. The
 * launcher sits on top of the client, the bucket server and the gateway;
 * none of them imports it.
 */
export function main(argv: readonly string[]): Promise<number> {
  return runClient(argv, (word, settings) => serve(findService(word.name)!, settings));
}
