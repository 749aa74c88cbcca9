/** Seconds to wait before each attempt after a failure: doubling, then every 30 s. */
const DELAYS = [1, 2, 4, 8, 15, 30];

/** Failed attempts in a row, with no byte gained, after which an upload stops and offers Retry (about five minutes). */
export const MAX_ATTEMPTS = 14;

/** Milliseconds to wait before attempt `attempt` (1 for the first retry). */
export function retryDelay(attempt: number): number {
  return DELAYS[Math.min(attempt, DELAYS.length) - 1] * 1000;
}
