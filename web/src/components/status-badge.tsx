import type { VideoStatus } from '../api/types.js';

const STATUS_TEXT: Record<VideoStatus, string> = {
  QUEUED: 'Queued',
  PROCESSING: 'Processing',
  DONE: 'Done',
  FAILED: 'Failed',
};

export function isSettled(status: VideoStatus): boolean {
  return status === 'DONE' || status === 'FAILED';
}

export function StatusBadge({ status }: { status: VideoStatus }) {
  return <span class={`status status-${status.toLowerCase()}`}>{STATUS_TEXT[status]}</span>;
}
