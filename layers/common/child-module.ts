import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** What to start a child process's module with. */
export interface ChildModule {
  path: string;
  execArgv: string[];
}

/**
 * The module `name` beside `callerUrl` (the calling module's import.meta.url): built as `name.mjs` where the
 * caller runs from a bundle (the CLI's, a handler's), else its TypeScript source through tsx.
 */
export function childModule(callerUrl: string, name: string): ChildModule {
  const bundled = fileURLToPath(new URL(`./${name}.mjs`, callerUrl));
  if (existsSync(bundled)) return { path: bundled, execArgv: [] };
  return {
    path: fileURLToPath(new URL(`./${name}.ts`, callerUrl)),
    execArgv: ['--import', import.meta.resolve('tsx')],
  };
}

/** What to start a worker thread's module with: `new Worker(filename, options)`. */
export interface WorkerModule {
  filename: string;
  /** The thread takes none of this process's Node flags (`--input-type` or `--eval`'s would stop its module). */
  options: { eval?: boolean; execArgv: string[] };
}

/**
 * The worker module `name` beside `callerUrl`, as childModule finds it. From source, tsx is registered inside the
 * thread before the module loads: `--import` in a worker's execArgv does not reach its first module on Node 20.
 */
export function workerModule(callerUrl: string, name: string): WorkerModule {
  const { path, execArgv } = childModule(callerUrl, name);
  if (execArgv.length === 0) return { filename: path, options: { execArgv: [] } };
  const register = import.meta.resolve('tsx/esm/api');
  const module = pathToFileURL(path).href;
  return {
    filename: `import(${JSON.stringify(register)}).then(({ register }) => { register(); return import(${JSON.stringify(module)}); });`,
    options: { eval: true, execArgv: [] },
  };
}
