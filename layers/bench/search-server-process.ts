/**
 * The serving side of `xclip bench --search`, started by it in a process of its own once the index is built:
 * it opens the index the way `xclip serve` does and answers the queries, so its memory is what a server with
 * that index open needs, without the vectors, the ground truth and the write history of the process that built
 * it. Reads a ServingRequest as JSON on stdin, writes a ServingMeasurement as JSON on stdout.
 */
import { text } from 'node:stream/consumers';
import { LanceVectorIndex } from '../pipeline/adapters/local/index.js';
import { megabytes, peakRssBytes } from './process-memory.js';
import { measureQueries, type QueryMeasurement } from './query-measurement.js';

export interface ServingRequest {
  directory: string;
  queries: number[];
  /** The exact 10 nearest rows of each query. */
  truth: number[][];
}

export interface ServingMeasurement extends QueryMeasurement {
  /** Resident memory of the serving process after the queries, and its peak (opening the index included). */
  rssMb: number;
  peakRssMb: number;
}

const request = JSON.parse(await text(process.stdin)) as ServingRequest;
const queries = Float32Array.from(request.queries);
const index = await LanceVectorIndex.open({
  directory: request.directory,
  dimension: queries.length / request.truth.length,
});
const measurement: ServingMeasurement = {
  ...(await measureQueries(index, queries, request.truth)),
  rssMb: megabytes(process.memoryUsage().rss),
  peakRssMb: megabytes(peakRssBytes()),
};
process.stdout.write(JSON.stringify(measurement));
