import { useEffect, useRef, useState } from 'preact/hooks';

export interface Polling {
  /** The bound was reached: no more polls until resume(). */
  exhausted: boolean;
  resume: () => void;
}

/**
 * Calls `tick` every `intervalMs` while `active`, skipping while the tab is hidden, and at most
 * `maxTicks` times before stopping, so a page left open does not poll forever. Ticks never overlap.
 */
export function usePolling(
  tick: () => Promise<void>,
  active: boolean,
  { intervalMs, maxTicks }: { intervalMs: number; maxTicks: number },
): Polling {
  const latest = useRef(tick);
  latest.current = tick;
  const [round, setRound] = useState(0);
  const [exhausted, setExhausted] = useState(false);

  useEffect(() => {
    if (!active) return;
    let ticks = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const schedule = () => {
      timer = setTimeout(async () => {
        if (!document.hidden) {
          ticks++;
          await latest.current().catch(() => undefined);
        }
        if (stopped) return;
        if (ticks >= maxTicks) setExhausted(true);
        else schedule();
      }, intervalMs);
    };
    setExhausted(false);
    schedule();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [active, intervalMs, maxTicks, round]);

  return { exhausted: active && exhausted, resume: () => setRound((value) => value + 1) };
}
