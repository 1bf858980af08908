import { type ByteSource, countBytes, fileByteSource } from './byte-source.js';
import { decodeDemuxerRuns } from './demux-decode.js';
import { readDemuxerIndex } from './demux-index.js';
import { probeDemuxer } from './demux-probe.js';
import { type Demuxer, openDemuxer } from './demuxer.js';
import { DecodeTimeoutError } from './errors.js';
import type { MediaLimits } from './limits.js';
import { checkVideoBytes, fileSize, type VideoProbe } from './probe.js';
import type { VideoReader } from './video-reader.js';

const DECODER_NAME = 'the in-process decoder';

/**
 * Rejects with DecodeTimeoutError once `timeoutMs` pass. FFmpeg's call cannot be stopped inside the process, so it
 * runs on to its end in its libuv thread, and what it uses is freed only after that.
 */
function withDeadline<T>(path: string, timeoutMs: number, work: Promise<T>, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new DecodeTimeoutError(path, DECODER_NAME, timeoutMs, ''));
    }, timeoutMs);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/**
 * A VideoReader over FFmpeg's libraries inside this process, reading `source` (the local file `path` when none is
 * given) through one demuxer: probe, index and decode share it, with no process started.
 */
export async function openDemuxReader(
  path: string,
  limits: MediaLimits,
  options: { source?: ByteSource; probe?: VideoProbe } = {},
): Promise<VideoReader> {
  const fileBytes = options.source ? options.source.size : fileSize(path, limits);
  checkVideoBytes(path, fileBytes, limits);
  const opened = options.source ?? (await fileByteSource(path));
  const source = countBytes(opened);
  // A caller's source stays the caller's to close.
  const release = () => (options.source ? Promise.resolve() : opened.close());
  // Work still running after a deadline passed: closing must wait for it, or FFmpeg would read freed memory.
  let inFlight: Promise<unknown> = Promise.resolve();
  let timedOut = false;
  const track = <T>(timeoutMs: number, work: Promise<T>): Promise<T> => {
    inFlight = work.catch(() => undefined);
    return withDeadline(path, timeoutMs, work, () => {
      timedOut = true;
    });
  };
  const opening = openDemuxer(path, source);
  let demuxer: Demuxer;
  let probe: VideoProbe;
  try {
    demuxer = await track(limits.probeTimeoutMs, opening);
    probe = options.probe ?? probeDemuxer(path, fileBytes, demuxer, limits);
  } catch (error) {
    void opening
      .then(
        (late) => late.close(),
        () => undefined,
      )
      .then(release);
    throw error;
  }
  return {
    probe,
    index: (times) =>
      track(
        limits.probeTimeoutMs,
        readDemuxerIndex(demuxer, probe, times, () => openDemuxer(path, source)),
      ),
    decode: (runs, size) => track(limits.decodeTimeoutMs, decodeDemuxerRuns(demuxer, probe, runs, size)),
    bytesRead: () => source.bytesRead,
    close: async () => {
      const closing = inFlight.then(async () => {
        await demuxer.close();
        await release();
      });
      // After a timeout the caller gets its error now; the stuck call's resources go when it ends, if ever.
      if (!timedOut) await closing;
    },
  };
}
