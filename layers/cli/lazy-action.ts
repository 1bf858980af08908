/** A command's implementation: a module whose `run` takes what commander passes to the action. */
interface CommandModule<Args extends unknown[]> {
  run: (...args: Args) => void | Promise<void>;
}

/**
 * A commander action that imports the command's implementation only when the command runs, so starting
 * `xclip` loads the code of the command it runs and no other.
 */
export function lazyAction<Args extends unknown[]>(
  load: () => Promise<CommandModule<Args>>,
): (...args: Args) => Promise<void> {
  return async (...args) => {
    const { run } = await load();
    await run(...args);
  };
}
