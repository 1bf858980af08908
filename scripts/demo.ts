// `npm run demo`: see runDemo.
import { describeError } from '../layers/common/errors.js';
import { runDemo } from '../layers/pipeline/runtimes/local/index.js';

try {
  await runDemo();
} catch (error) {
  process.stderr.write(`demo: ${describeError(error)}\n`);
  process.exitCode = 1;
}
