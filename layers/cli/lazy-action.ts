/** A command's implementation: a module whose `run` takes what commander passes to the action. */
// biome-ignore lint/suspicious/noExplicitAny: commander passes each command its own arguments and options.
type CommandModule<Args extends any[]> = { run: (...args: Args) => void | Promise<void> };

/**
 * A commander action that imports the command's implementation only when the command runs, so starting
 * `xclip` loads only the code of the command it runs (and `--help` none).
 */
// biome-ignore lint/suspicious/noExplicitAny: as above.
export function lazyAction<Args extends any[]>(
  load: () => Promise<CommandModule<Args>>,
): (...args: Args) => Promise<void> {
  return async (...args) => {
    const { run } = await load();
    await run(...args);
  };
}
