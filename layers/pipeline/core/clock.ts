/** What the use cases take to tell the time: tests pass a fixed clock. */
export interface Clock {
  now?: () => Date;
}

/** The clock's time now, as the ISO 8601 string records carry. */
export function timestampOf(clock: Clock): string {
  return (clock.now?.() ?? new Date()).toISOString();
}
