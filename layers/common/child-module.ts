import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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
