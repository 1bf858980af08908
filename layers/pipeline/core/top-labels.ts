/** Labels kept per result when a caller names no number. */
export const DEFAULT_TOP = 5;
/** The most labels a result may keep. */
export const MAX_TOP = 50;
