import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';

export interface ServeProcess {
  child: ChildProcess;
  /** http://127.0.0.1:PORT */
  base: string;
  /** Everything it wrote to stderr so far. */
  log: () => string;
  exited: Promise<number | null>;
}

const running = new Set<ChildProcess>();

export interface ServeProcessOptions {
  /** Added to this process's environment. */
  env?: Record<string, string>;
  /** Largest file the server may write (RLIMIT_FSIZE, through prlimit): a bigger write kills it. */
  maxFileBytes?: number;
}

/** Starts `xclip serve ARGS --port 0` and resolves once it listens. */
export function startServe(args: readonly string[], options: ServeProcessOptions = {}): Promise<ServeProcess> {
  return startListening([process.execPath, 'bin/xclip.js', 'serve', ...args, '--port', '0'], options);
}

/**
 * Starts `command`, a server that says "listening on http://127.0.0.1:PORT" on stderr once it listens (and "stopped"
 * when it stopped), and resolves then.
 */
export function startListening(command: readonly string[], options: ServeProcessOptions = {}): Promise<ServeProcess> {
  const limited = options.maxFileBytes ? ['prlimit', `--fsize=${options.maxFileBytes}`, ...command] : command;
  const child = spawn(limited[0]!, limited.slice(1), {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  running.add(child);
  let output = '';
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1];
      if (port) {
        child.stderr!.off('data', onData);
        child.stderr!.on('data', (more: Buffer) => (output += more.toString()));
        resolve({ child, base: `http://127.0.0.1:${port}`, log: () => output, exited });
      }
    };
    child.stderr!.on('data', onData);
    void exited.then((code) =>
      reject(new Error(`${command.join(' ')} exited with ${code} before listening:\n${output}`)),
    );
  });
}

/** SIGTERM, then checks it stopped cleanly. */
export async function stopServe(server: ServeProcess): Promise<void> {
  server.child.kill('SIGTERM');
  assert.equal(await server.exited, 0, server.log());
  assert.match(server.log(), /stopped/);
}

/** Kills whatever a failed test left running. */
export function killServes(): void {
  for (const child of running) child.kill('SIGKILL');
}
