import type { VideoRecord } from '../api/types.js';
import { formatBytes, formatDate, formatMs, formatSeconds } from '../format.js';

/** What is known about the video file, the model run and the record, as a description list. */
export function MetadataList({ record }: { record: VideoRecord }) {
  const result = record.result;
  const rows: [string, string][] = [
    ['Bucket', record.source.bucket],
    ['Key', record.source.key],
    ['Version', record.source.version],
    ['Attempts', String(record.attempts)],
    ['Queued', formatDate(record.queuedAt)],
    ['Updated', formatDate(record.updatedAt)],
  ];
  if (result) {
    const { video, model, timings } = result;
    rows.push(
      ['Duration', formatSeconds(video.durationSeconds)],
      ['Frame size', `${video.width} × ${video.height}${video.rotation ? `, rotated ${video.rotation}°` : ''}`],
      ['Codec', video.codec],
      ...(video.frameRate ? [['Frame rate', `${video.frameRate.toFixed(2)} fps`] as [string, string]] : []),
      ['File size', formatBytes(video.bytes)],
      ['Model', `${model.id} (${model.precision}${model.executionProvider ? `, ${model.executionProvider}` : ''})`],
      [
        'Timings',
        `decode ${formatMs(timings.decodeMs)}, vision ${formatMs(timings.visionMs)}, scoring ${formatMs(timings.scoreMs)}, total ${formatMs(timings.totalMs)}`,
      ],
      ['Classified', formatDate(result.completedAt)],
    );
  }
  return (
    <dl class="metadata">
      {rows.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
