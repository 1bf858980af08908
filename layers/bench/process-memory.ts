import { readFileSync } from 'node:fs';

export const megabytes = (bytes: number) => Math.round(bytes / 2 ** 20);

/**
 * Peak resident memory of this process. On Linux from VmHWM, which starts afresh with the program: the
 * getrusage peak of a spawned process also counts its parent's at the spawn (1.7 GB of the bench's at a million).
 */
export function peakRssBytes(): number {
  const status = process.platform === 'linux' ? readFileSync('/proc/self/status', 'utf8') : '';
  const highWater = /^VmHWM:\s+(\d+) kB$/m.exec(status);
  return highWater ? Number(highWater[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
}
