import { render } from 'preact';
import { completeSignIn } from './api/sign-in.js';
import { App } from './app.js';

/** The issuer's answer, when the page was loaded as the sign-in's redirect; its query then leaves the address. */
async function signInAnswer(): Promise<string | undefined> {
  try {
    if (await completeSignIn(new URL(location.href), sessionStorage))
      history.replaceState(null, '', `${location.pathname}${location.hash}`);
    return undefined;
  } catch (error) {
    history.replaceState(null, '', `${location.pathname}${location.hash}`);
    return error instanceof Error ? error.message : 'sign-in failed';
  }
}

void signInAnswer().then((signInError) => render(<App signInError={signInError} />, document.getElementById('app')!));
