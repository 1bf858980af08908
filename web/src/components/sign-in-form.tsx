import { useEffect, useState } from 'preact/hooks';
import { fetchSignInConfig, type SignInConfig, startSignIn } from '../api/sign-in.js';
import { TokenForm } from './token-form.js';

/** The page itself, where the issuer sends the person back to. */
function redirectUri(): string {
  return `${location.origin}${location.pathname}`;
}

/**
 * After a 401: sign in through the server's issuer where it has one (sign-in.json), or enter a token. `error` is
 * what went wrong with the last sign-in, if anything.
 */
export function Credentials({ error }: { error?: string }) {
  const [config, setConfig] = useState<SignInConfig | null | undefined>(undefined);
  const [problem, setProblem] = useState(error);
  useEffect(() => {
    fetchSignInConfig().then(
      (found) => setConfig(found ?? null),
      (failure: unknown) => {
        setConfig(null);
        setProblem(failure instanceof Error ? failure.message : 'sign-in is unavailable');
      },
    );
  }, []);
  if (config === undefined) return null;
  if (config === null && !problem) return <TokenForm />;
  return (
    <section class="token-form" aria-labelledby="sign-in-heading">
      <h2 id="sign-in-heading">Sign in to see the archive</h2>
      {problem && <p role="alert">{problem}</p>}
      {config && (
        <button
          type="button"
          onClick={async () => location.assign(await startSignIn(config, redirectUri(), sessionStorage))}
        >
          Sign in
        </button>
      )}
    </section>
  );
}
