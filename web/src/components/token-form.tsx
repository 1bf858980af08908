import { useEffect, useState } from 'preact/hooks';
import { onTokenRefused, saveToken } from '../api/credentials.js';

/** Whether the server has refused a call for want of a token since the page loaded. */
export function useTokenRefused(): boolean {
  const [refused, setRefused] = useState(false);
  useEffect(() => onTokenRefused(() => setRefused(true)), []);
  return refused;
}

/**
 * Asks for the server's access token (`xclip serve --token`), keeps it for this tab and loads the page again with it.
 */
export function TokenForm() {
  const [token, setToken] = useState('');
  return (
    <form
      class="token-form"
      aria-labelledby="token-heading"
      onSubmit={(event) => {
        event.preventDefault();
        saveToken(token);
        location.reload();
      }}
    >
      <h2 id="token-heading">This server asks for an access token</h2>
      <p class="muted">It is kept in this tab only. The server's operator set it with --token or XCLIP_TOKEN.</p>
      <label for="token-input">Access token</label>
      <input
        id="token-input"
        type="password"
        autoComplete="current-password"
        required
        value={token}
        onInput={(event) => setToken(event.currentTarget.value)}
      />
      <button type="submit">Use this token</button>
    </form>
  );
}
