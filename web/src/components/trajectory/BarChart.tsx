import { t } from "../../i18n";

export interface Bar {
  /** The visit's number, under its bar. */
  visit: number;
  /** null: nothing to count it from at this visit (no bar, a dash). */
  value: number | null;
}

interface Props {
  /** Identifies the chart for tests and links (`data-chart`). */
  id: string;
  title: string;
  bars: Bar[];
  /** How a value is written (above its bar and in the table). */
  format: (value: number) => string;
  /** The top of the scale; left out: the highest value. */
  max?: number;
}

const HEIGHT = 110;
const TOP = 18;
const BOTTOM = 20;
const STEP = 44;
const BAR = 26;

/**
 * A small bar chart over the visits: one bar per visit, its value written
 * above it, so a visit where nothing was measured (a dash) is told apart from
 * a zero; a chart with nothing measured at any visit is left out. The picture
 * is for the eye; a table with the same numbers (visually hidden) is what a
 * screen reader reads.
 */
export function BarChart({ id, title, bars, format, max }: Props) {
  if (bars.every((b) => b.value == null)) return null; // nothing measured at any visit yet
  const highest = max ?? Math.max(0, ...bars.map((b) => b.value ?? 0));
  const scale = highest > 0 ? (HEIGHT - TOP - BOTTOM) / highest : 0;
  const width = Math.max(4, bars.length) * STEP + 8;
  const base = HEIGHT - BOTTOM;
  return (
    <figure class="chart" data-chart={id}>
      <figcaption class="chart-title">{title}</figcaption>
      <svg
        viewBox={`0 0 ${width} ${HEIGHT}`}
        width={width}
        height={HEIGHT}
        aria-hidden="true"
        focusable="false"
      >
        <line x1={4} x2={width - 4} y1={base} y2={base} class="chart-axis" />
        {bars.map((bar, index) => {
          const x = 8 + index * STEP + (STEP - BAR) / 2;
          const h = bar.value == null ? 0 : Math.max(bar.value > 0 ? 2 : 0, bar.value * scale);
          return (
            <g key={bar.visit}>
              {h > 0 && <rect x={x} y={base - h} width={BAR} height={h} rx={3} class="chart-bar" />}
              <text x={x + BAR / 2} y={base - h - 4} text-anchor="middle" class="chart-value">
                {bar.value == null ? "–" : format(bar.value)}
              </text>
              <text x={x + BAR / 2} y={HEIGHT - 5} text-anchor="middle" class="chart-label">
                {t("trajectory.chartVisitShort", { number: bar.visit })}
              </text>
            </g>
          );
        })}
      </svg>
      <div class="visually-hidden">
        <table>
          <caption>{title}</caption>
          <thead>
            <tr>
              <th scope="col">{t("trajectory.chartVisit")}</th>
              <th scope="col">{t("trajectory.chartValue")}</th>
            </tr>
          </thead>
          <tbody>
            {bars.map((bar) => (
              <tr key={bar.visit}>
                <th scope="row">{t("trajectory.visitNumber", { number: bar.visit })}</th>
                <td>{bar.value == null ? t("trajectory.chartNone") : format(bar.value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
