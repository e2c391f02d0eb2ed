import type { ClipAnalysis } from "../../api/types";
import { t } from "../../i18n";
import { type SeriesValues, unpack } from "./series";

interface Props {
  analysis: ClipAnalysis;
  durationMs: number;
  timeMs: number;
  onSeek: (ms: number) => void;
}

/** Width of the drawing in SVG units; the track stretches it to its own width. */
const WIDTH = 1000;
const HEIGHT = 32;

/**
 * What the analysis measured, under the timeline and on its time scale: the
 * parent's and the child's motion, their synchrony against the chance level,
 * and how likely the sound is crying. So a suggestion can be checked by eye.
 */
export function Signals({ analysis, durationMs, timeMs, onSeek }: Props) {
  const packed = analysis.series?.series;
  if (!packed || durationMs <= 0) return null;
  const get = (name: string) => (packed[name] ? unpack(packed[name]) : null);
  const parent = get("motion_parent");
  const child = get("motion_child");
  const motionTop = Math.max(parent?.max ?? 0, child?.max ?? 0, 1e-6);
  const sync = get("synchrony");
  const chance = get("synchrony_chance");
  const cry = get("cry");
  const lanes: { key: string; label: string; lines: Line[] }[] = [
    {
      key: "motion",
      label: t("signals.motion"),
      lines: [
        { series: parent, top: motionTop, kind: "parent" },
        { series: child, top: motionTop, kind: "child" },
      ],
    },
    {
      key: "synchrony",
      label: t("signals.synchrony"),
      lines: [
        { series: chance, top: 1, kind: "chance" },
        { series: sync, top: 1, kind: "synchrony" },
      ],
    },
    { key: "cry", label: t("signals.cry"), lines: [{ series: cry, top: 1, kind: "cry" }] },
  ];
  const playhead = `${(Math.min(timeMs, durationMs) / durationMs) * 100}%`;
  return (
    <div class="signals" role="group" aria-label={t("signals.title")}>
      {lanes.map((lane) => (
        <div class="tl-lane" key={lane.key}>
          <span class="tl-lane-label">{lane.label}</span>
          <div
            class="tl-track signal-track"
            data-signal={lane.key}
            onClick={(event) => {
              const rect = event.currentTarget.getBoundingClientRect();
              onSeek(Math.round(((event.clientX - rect.left) / rect.width) * durationMs));
            }}
          >
            <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} preserveAspectRatio="none" aria-hidden="true">
              {lane.lines.map((line) =>
                line.series ? (
                  <path
                    key={line.kind}
                    class={`signal signal-${line.kind}`}
                    d={pathOf(line.series, line.top, durationMs)}
                  />
                ) : null,
              )}
            </svg>
            <span class="tl-playhead" style={{ left: playhead }} aria-hidden="true" />
          </div>
        </div>
      ))}
      <p class="hint signals-legend">{t("signals.legend")}</p>
    </div>
  );
}

interface Line {
  series: SeriesValues | null;
  top: number;
  kind: string;
}

/** An SVG path through the values; a gap (no value) lifts the pen. */
function pathOf(series: SeriesValues, top: number, durationMs: number): string {
  const parts: string[] = [];
  let pen = false;
  series.values.forEach((value, i) => {
    if (Number.isNaN(value)) {
      pen = false;
      return;
    }
    const x = ((series.startMs + i * series.stepMs) / durationMs) * WIDTH;
    const y = HEIGHT - (Math.max(0, Math.min(value, top)) / top) * (HEIGHT - 2) - 1;
    parts.push(`${pen ? "L" : "M"}${x.toFixed(1)} ${y.toFixed(1)}`);
    pen = true;
  });
  return parts.join("");
}
