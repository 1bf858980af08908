import { type ByteSource, countBytes, fileByteSource } from './byte-source.js';
import { decodeDemuxerRuns } from './demux-decode.js';
import { readDemuxerIndex } from './demux-index.js';
import { probeDemuxer } from './demux-probe.js';
import { type Demuxer, openDemuxer } from './demuxer.js';
import type { MediaLimits } from './limits.js';
import { checkVideoBytes, fileSize, type VideoProbe } from './probe.js';
import type { VideoReader } from './video-reader.js';

/**
 * A VideoReader over FFmpeg's libraries in the calling process, reading `source` (the local file `path` when none is
 * given) through one demuxer: probe, index and decode share it. It has no deadlines of its own: FFmpeg's calls
 * cannot be stopped inside a process, so it runs in a decoder process (decoder-pool.ts) whose parent keeps the time
 * and ends the process when a deadline passes.
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
  let demuxer: Demuxer;
  let probe: VideoProbe;
  try {
    demuxer = await openDemuxer(path, source);
  } catch (error) {
    await release();
    throw error;
  }
  try {
    probe = options.probe ?? probeDemuxer(path, fileBytes, demuxer, limits);
  } catch (error) {
    await demuxer.close();
    await release();
    throw error;
  }
  return {
    probe,
    index: (times) => readDemuxerIndex(demuxer, probe, times, () => openDemuxer(path, source)),
    decode: (runs, size) => decodeDemuxerRuns(demuxer, probe, runs, size),
    bytesRead: () => source.bytesRead,
    close: async () => {
      await demuxer.close();
      await release();
    },
  };
}
