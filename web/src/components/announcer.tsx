import { useEffect, useState } from 'preact/hooks';

let speak: ((text: string) => void) | undefined;

/** Says `text` to screen readers through the page's one polite live region. */
export function announce(text: string): void {
  speak?.(text);
}

export function Announcer() {
  const [text, setText] = useState('');
  useEffect(() => {
    speak = (next) => {
      // Emptying first makes a repeated message be read again.
      setText('');
      requestAnimationFrame(() => setText(next));
    };
    return () => {
      speak = undefined;
    };
  }, []);
  return (
    <div class="visually-hidden" role="status" aria-live="polite">
      {text}
    </div>
  );
}
