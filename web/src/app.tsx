import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from './api/client.js';
import { forgetToken, hasToken } from './api/credentials.js';
import { OPERATIONS } from './api/operations.js';
import type { Health } from './api/types.js';
import { Announcer } from './components/announcer.js';
import { Credentials } from './components/sign-in-form.js';
import { useTokenRefused } from './components/token-form.js';
import { libraryHref, type Route, searchHref } from './router.js';
import type { UploadTarget } from './uploads/upload-store.js';
import { useRoute } from './use-route.js';
import { Library } from './views/library.js';
import { Search } from './views/search.js';
import { VideoPage } from './views/video-page.js';

/** What this server offers beyond the common API, read from its OpenAPI document. */
export interface ServerFeatures {
  /** Where it takes uploads: its own route (xclip serve --watch), or presigned ones into the bucket (on AWS). */
  uploadTarget?: UploadTarget;
}

function uploadTargetOf(paths: Record<string, unknown>): UploadTarget | undefined {
  if (OPERATIONS.uploadLocal.path in paths) return 'local';
  if (OPERATIONS.createMultipartUpload.path in paths && OPERATIONS.createUpload.path in paths) return 'bucket';
  return undefined;
}

function useServerFeatures(): ServerFeatures {
  const [features, setFeatures] = useState<ServerFeatures>({});
  useEffect(() => {
    api.document().then(
      (document) => setFeatures({ uploadTarget: uploadTargetOf(document.paths) }),
      () => undefined,
    );
  }, []);
  return features;
}

function useHealth(): Health | undefined {
  const [health, setHealth] = useState<Health>();
  useEffect(() => {
    api.health().then(setHealth, () => undefined);
  }, []);
  return health;
}

function View({ route, features }: { route: Route; features: ServerFeatures }) {
  switch (route.view) {
    case 'library':
      return <Library filters={route.filters} uploadTarget={features.uploadTarget} />;
    case 'search':
      return <Search text={route.text} k={route.k} example={route.example} />;
    case 'video':
      return <VideoPage id={route.id} at={route.at} />;
    case 'missing':
      return (
        <>
          <h1 tabIndex={-1}>Page not found</h1>
          <p>
            <a href={libraryHref()}>Go to the library</a>
          </p>
        </>
      );
  }
}

/** `signInError`: why the sign-in this load was the answer to failed. */
export function App({ signInError }: { signInError?: string } = {}) {
  const route = useRoute();
  const features = useServerFeatures();
  const health = useHealth();
  const tokenRefused = useTokenRefused();
  const main = useRef<HTMLElement>(null);
  const firstRender = useRef(true);

  // On a new view, focus moves to its heading, as a page load would start at the top; a filter or a
  // new search within a view leaves focus where it is.
  const viewKey = route.view === 'video' ? `video ${route.id}` : route.view;
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    const heading = main.current?.querySelector<HTMLElement>('h1');
    (heading ?? main.current)?.focus();
  }, [viewKey]);

  return (
    <>
      <button type="button" class="skip-link" onClick={() => main.current?.focus()}>
        Skip to content
      </button>
      <header class="site-header">
        <a class="brand" href={libraryHref()}>
          xclip archive
        </a>
        <nav aria-label="Main">
          <a href={libraryHref()} aria-current={route.view === 'library' ? 'page' : undefined}>
            Library
          </a>
          <a href={searchHref()} aria-current={route.view === 'search' ? 'page' : undefined}>
            Search
          </a>
        </nav>
        {hasToken() && (
          <button
            type="button"
            class="sign-out"
            onClick={() => {
              forgetToken();
              location.reload();
            }}
          >
            Sign out
          </button>
        )}
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {(tokenRefused || signInError) && <Credentials error={signInError} />}
        <View route={route} features={features} />
      </main>
      <footer class="site-footer">
        {health?.model && (
          <span>
            Model {health.model.id} ({health.model.precision}
            {health.model.executionProvider ? `, ${health.model.executionProvider}` : ''})
          </span>
        )}
        {' · '}
        <a href="openapi.json">API</a>
      </footer>
      <Announcer />
    </>
  );
}
