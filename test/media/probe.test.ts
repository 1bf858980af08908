import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  NotAVideoError,
  NoVideoStreamError,
  UnsupportedCodecError,
  VideoTooLargeError,
  VideoTooLongError,
} from '../../layers/media/errors.js';
import { resolveLimits } from '../../layers/media/limits.js';
import { parseProbe } from '../../layers/media/probe.js';

const limits = resolveLimits();
const mp4 = { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', start_time: '0.000000', duration: '10.000000' };
const h264 = {
  index: 0,
  codec_type: 'video',
  codec_name: 'h264',
  width: 1280,
  height: 720,
  pix_fmt: 'yuv420p',
  time_base: '1/90000',
  avg_frame_rate: '30/1',
  start_time: '0.000000',
  duration: '9.900000',
};

test('reads geometry, timing and colour of the video stream', () => {
  const probe = parseProbe(
    'a.mp4',
    100,
    {
      format: mp4,
      streams: [
        { index: 0, codec_type: 'audio', codec_name: 'aac' },
        { ...h264, index: 1, color_transfer: 'smpte2084', color_primaries: 'bt2020', field_order: 'tt' },
      ],
    },
    limits,
  );
  assert.equal(probe.stream.index, 1);
  assert.equal(probe.stream.duration, 9.9);
  assert.equal(probe.stream.frameRate, 30);
  assert.equal(probe.stream.timeBase, 1 / 90000);
  assert.deepEqual([probe.stream.displayWidth, probe.stream.displayHeight, probe.stream.rotation], [1280, 720, 0]);
  assert.equal(probe.stream.hdr, true);
  assert.equal(probe.stream.interlaced, true);
  assert.equal(probe.stream.hasAlpha, false);
});

test('display size applies the sample aspect ratio, then the display matrix rotation', () => {
  const rotated = parseProbe(
    'a.mp4',
    1,
    { format: mp4, streams: [{ ...h264, side_data_list: [{ side_data_type: 'Display Matrix', rotation: -90 }] }] },
    limits,
  );
  assert.deepEqual(
    [rotated.stream.rotation, rotated.stream.displayWidth, rotated.stream.displayHeight],
    [90, 720, 1280],
  );
  const upsideDown = parseProbe(
    'a.mp4',
    1,
    { format: mp4, streams: [{ ...h264, side_data_list: [{ side_data_type: 'Display Matrix', rotation: 180 }] }] },
    limits,
  );
  assert.equal(upsideDown.stream.rotation, 180);
  const wide = parseProbe(
    'a.mp4',
    1,
    { format: mp4, streams: [{ ...h264, width: 640, height: 360, sample_aspect_ratio: '2:1' }] },
    limits,
  );
  assert.deepEqual([wide.stream.displayWidth, wide.stream.displayHeight], [1280, 360]);
});

test('cover art is ignored, even when it is the largest picture', () => {
  const cover = {
    index: 0,
    codec_type: 'video',
    codec_name: 'mjpeg',
    width: 3000,
    height: 3000,
    disposition: { attached_pic: 1 },
  };
  assert.equal(
    parseProbe('a.mp4', 1, { format: mp4, streams: [cover, { ...h264, index: 1 }] }, limits).stream.index,
    1,
  );
  assert.throws(
    () =>
      parseProbe(
        'a.mp3',
        1,
        {
          format: { format_name: 'mp3' },
          streams: [
            { index: 0, codec_type: 'audio', codec_name: 'mp3' },
            { ...cover, index: 1 },
          ],
        },
        limits,
      ),
    NoVideoStreamError,
  );
});

test('duration falls back to the Matroska tag, then to the container less a late start', () => {
  const mkv = { format_name: 'matroska,webm', start_time: '0.000000', duration: '12.000000' };
  const tagged = parseProbe(
    'a.mkv',
    1,
    { format: mkv, streams: [{ ...h264, duration: undefined, tags: { DURATION: '00:00:10.381000000' } }] },
    limits,
  );
  assert.equal(tagged.stream.duration, 10.381);
  const late = parseProbe(
    'a.mkv',
    1,
    { format: mkv, streams: [{ ...h264, duration: undefined, start_time: '2.000000' }] },
    limits,
  );
  assert.equal(late.stream.duration, 10);
  assert.equal(late.stream.start, 2);
  const unknown = parseProbe(
    'a.webm',
    1,
    { format: { format_name: 'matroska,webm' }, streams: [{ ...h264, duration: undefined }] },
    limits,
  );
  assert.ok(Number.isNaN(unknown.stream.duration));
});

test('images, empty listings, audio only and unknown codecs get their own errors', () => {
  assert.throws(
    () => parseProbe('a.webp', 1, { format: { format_name: 'webp_pipe' }, streams: [h264] }, limits),
    NotAVideoError,
  );
  assert.throws(() => parseProbe('a.bin', 1, { format: { format_name: 'data' }, streams: [] }, limits), NotAVideoError);
  assert.throws(
    () =>
      parseProbe('a.m4a', 1, { format: mp4, streams: [{ index: 0, codec_type: 'audio', codec_name: 'aac' }] }, limits),
    NoVideoStreamError,
  );
  assert.throws(
    () =>
      parseProbe(
        'a.mp4',
        1,
        { format: mp4, streams: [{ ...h264, codec_name: undefined, codec_tag_string: 'vvc1' }] },
        limits,
      ),
    /vvc1/,
  );
  assert.throws(
    () => parseProbe('a.mp4', 1, { format: mp4, streams: [{ ...h264, width: 0, height: 0 }] }, limits),
    UnsupportedCodecError,
  );
});

test('limits on duration and frame size are enforced', () => {
  assert.throws(
    () => parseProbe('a.mp4', 1, { format: mp4, streams: [h264] }, resolveLimits({ maxDurationSeconds: 5 })),
    VideoTooLongError,
  );
  assert.throws(
    () => parseProbe('a.mp4', 1, { format: mp4, streams: [h264] }, resolveLimits({ maxFramePixels: 1280 * 719 })),
    VideoTooLargeError,
  );
});
