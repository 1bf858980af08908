import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** `bin/xclip.js ARGS` in a child process (with this process's environment): its exit code and output. */
export async function runXclip(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['bin/xclip.js', ...args], {
      encoding: 'utf8',
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
