import { readPixelValues } from '../../media/index.js';
import { writeSafetensors } from '../../xclip/safetensors.js';

/** `xclip frames`, imported when it runs. */
export async function run(
  video: string,
  options: { out: string; frames: number; size: number; exact: boolean },
): Promise<void> {
  const view = await readPixelValues(video, { frames: options.frames, size: options.size, exact: options.exact });
  writeSafetensors(
    options.out,
    [['pixel_values', { dtype: 'F32', shape: [1, ...view.shape], data: view.pixelValues }]],
    {
      source: video,
      times: JSON.stringify(view.times.map((t) => Number(t.toFixed(6)))),
    },
  );
}
