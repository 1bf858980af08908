/**
 * How S3 object versions become the `version` and `sequence` of a SourceObject, the same way from
 * an event, a listing or a HEAD, so records written from any of them compare.
 *
 * version: the ETag (unquoted). Events, listings, HEAD and GET all carry it, versioned bucket or not;
 * two uploads of the same bytes are the same version, which is what results depend on.
 *
 * sequence: `<time ISO-8601 ms>#<sequencer>`, 57 characters. Time first, because listings and HEAD
 * have no sequencer: events use their eventTime, listings and HEAD the object's LastModified. The
 * S3 sequencer breaks ties between events of the same key in the same millisecond; AWS compares
 * sequencers right-padded with zeros, so they are padded to a fixed width (zeros when absent).
 */
const SEQUENCER_CHARS = 32;

export function versionOfEtag(etag: string): string {
  return etag.replace(/^"|"$/g, '');
}

export function objectSequence(time: Date | string, sequencer = ''): string {
  return `${new Date(time).toISOString()}#${sequencer.toUpperCase().padEnd(SEQUENCER_CHARS, '0')}`;
}

/** The time and sequencer a sequence was made of: what an S3-event-shaped message carries. */
export function splitSequence(sequence: string): { time: string; sequencer: string } {
  const [time = '', sequencer = ''] = sequence.split('#');
  return { time, sequencer };
}
