// The analysis' time series, as the API packs them: 8-bit levels between a
// minimum and a maximum (255: no value there, e.g. camera shake).

import type { PackedSeries } from "../../api/types";

const TOP_LEVEL = 254;
const MISSING = 255;

export interface SeriesValues {
  startMs: number;
  stepMs: number;
  /** NaN where the analysis had no reliable value. */
  values: Float32Array;
  min: number;
  max: number;
}

export function unpack(packed: PackedSeries): SeriesValues {
  const bytes = Uint8Array.from(atob(packed.data), (c) => c.charCodeAt(0));
  const span = (packed.max - packed.min) / TOP_LEVEL;
  const values = Float32Array.from(bytes, (level) =>
    level === MISSING ? Number.NaN : packed.min + level * span,
  );
  return { startMs: packed.start_ms, stepMs: packed.step_ms, values, min: packed.min, max: packed.max };
}
