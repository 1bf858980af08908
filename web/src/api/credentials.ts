// The bearer token the page sends with every API call: what `xclip serve --token` asks for. Kept for this tab only
// (sessionStorage), so closing it forgets the token.
const STORAGE_KEY = 'xclip-token';

const refusedListeners = new Set<() => void>();

/** What the page keeps for the tab in (sessionStorage's part the page uses; tests give their own). */
export interface TabStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

function storage(): TabStorage | undefined {
  try {
    return (globalThis as { sessionStorage?: TabStorage }).sessionStorage;
  } catch {
    return undefined;
  }
}

/** The Authorization header for the saved token; none without one. */
export function authorizationHeader(): Record<string, string> {
  const token = storage()?.getItem(STORAGE_KEY);
  return token ? { authorization: `Bearer ${token}` } : {};
}

export function saveToken(token: string): void {
  storage()?.setItem(STORAGE_KEY, token.trim());
}

export function hasToken(): boolean {
  return Boolean(storage()?.getItem(STORAGE_KEY));
}

/** Sign-out: the tab sends no token from now on. */
export function forgetToken(): void {
  storage()?.removeItem(STORAGE_KEY);
}

/** Called on a 401: the server wants a token, or a different one. */
export function tokenRefused(): void {
  for (const listener of refusedListeners) listener();
}

export function onTokenRefused(listener: () => void): () => void {
  refusedListeners.add(listener);
  return () => refusedListeners.delete(listener);
}
