import { useEffect, useState } from 'preact/hooks';
import { parseRoute, type Route } from './router.js';

/** The route in the URL's fragment, following every change. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
