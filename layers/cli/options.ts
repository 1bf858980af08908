import { InvalidArgumentError } from 'commander';
import { commaList } from '../common/comma-list.js';
import { UsageError } from '../common/errors.js';
import { parseProviderList } from '../pipeline/settings.js';

/** Option parsers shared by the commands: commander reports their errors as usage errors. */

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError('expected a positive number');
  return n;
}

/** A whole number from `min` to `max` (written in digits only). */
export function integerIn(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(
        max === Number.MAX_SAFE_INTEGER
          ? `expected a whole number of at least ${min}`
          : `expected a whole number from ${min} to ${max}`,
      );
    }
    return n;
  };
}

export const positiveInteger = integerIn(1);

/** ONNX Runtime execution provider names in order of preference, e.g. `cuda,cpu`. */
export function executionProviderList(value: string): string[] {
  const names = parseProviderList(value);
  if (!names) throw new InvalidArgumentError('expected provider names like cuda,cpu');
  return names;
}

/** The `--execution-providers` help text of the commands that load a model. */
export const EXECUTION_PROVIDERS_HELP =
  'ONNX Runtime execution providers in order of preference (cuda, webgpu, cpu); one that cannot start is skipped with a warning';

/** An option that may also come from the environment, refused when neither gave it. */
export function required(value: string | undefined, option: string, variable: string): string {
  if (!value) throw new UsageError(`${option} is required`, `give it, or set ${variable}`);
  return value;
}

/** Comma-separated web origins, each `http(s)://host[:port]` with nothing after it. */
export function originList(value: string): string[] {
  return commaList(value).map((origin) => {
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {}
    if (!url || !/^https?:$/.test(url.protocol) || url.origin !== origin.replace(/\/$/, '').toLowerCase())
      throw new InvalidArgumentError(`expected origins like https://example.com:8443, not ${JSON.stringify(origin)}`);
    return url.origin;
  });
}
