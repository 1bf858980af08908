/** FFmpeg's JPEG quantiser scale (2-31, lower is finer): 3 keeps thumbnails sharp at a few KB. */
const JPEG_QSCALE = 3;

/** FFmpeg's libraries, loaded with the first picture: a process that makes none never loads them. */
const ffmpeg = async () => {
  const [api, lib, constants] = await Promise.all([
    import('node-av/api'),
    import('node-av/lib'),
    import('node-av/constants'),
  ]);
  return { ...api, ...lib, ...constants };
};
let loaded: ReturnType<typeof ffmpeg> | undefined;

/**
 * JPEG of an interleaved RGB picture through FFmpeg's encoder (baseline, full range, no chroma subsampling, so small
 * tiles keep their colours): a few milliseconds, where jpeg-js spent most of a hundred setting up its tables.
 */
export async function encodeJpeg(rgb: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  loaded ??= ffmpeg();
  const av = await loaded;
  const frame = av.Frame.fromVideoBuffer(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), {
    width,
    height,
    format: av.AV_PIX_FMT_RGB24,
    timeBase: new av.Rational(1, 1),
  });
  frame.pts = 0n;
  const filter = av.FilterAPI.create('scale=out_range=full:out_color_matrix=bt601,format=yuv444p', { threads: 1 });
  const encoder = await av.Encoder.create(av.FF_ENCODER_MJPEG, {
    context: {
      globalQuality: JPEG_QSCALE * av.FF_QP2LAMBDA,
      flags: av.AV_CODEC_FLAG_QSCALE,
      colorRange: av.AVCOL_RANGE_JPEG,
    },
  });
  const yuv: InstanceType<typeof av.Frame>[] = [];
  try {
    yuv.push(...(await filter.processAll(frame)));
    if (yuv.length !== 1) throw new Error(`the JPEG filter gave ${yuv.length} frames for one`);
    const packets = [...(await encoder.encodeAll(yuv[0]!)), ...(await encoder.encodeAll(null))];
    const bytes = Buffer.concat(packets.map((packet) => packet.data ?? Buffer.alloc(0)));
    for (const packet of packets) packet.free();
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  } finally {
    for (const picture of yuv) picture.free();
    frame.free();
    filter.close();
    encoder.close();
  }
}
