import { useState } from "preact/hooks";
import { coding } from "../../api/endpoints";
import type { Rating, SchemeScale } from "../../api/types";
import { t } from "../../i18n";
import { ErrorMessage } from "../ErrorMessage";
import { labelOf } from "./schemeText";

interface Props {
  setId: string;
  scales: SchemeScale[];
  ratings: Rating[];
  readOnly: boolean;
  onRated: () => void;
}

/** The coder's global ratings on the scheme's scales; each is saved when chosen. */
export function RatingsPanel({ setId, scales, ratings, readOnly, onRated }: Props) {
  const [error, setError] = useState<unknown>(null);
  if (scales.length === 0) return null;
  const valueOf = (key: string) => ratings.find((r) => r.scale === key)?.value;
  const rate = async (scale: string, value: number) => {
    setError(null);
    try {
      await coding.rate(setId, scale, value);
      onRated();
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <section class="panel stack" aria-labelledby="ratings-title">
      <h2 id="ratings-title">{t("coding.ratings")}</h2>
      {scales.map((scale) => {
        const id = `rating-${scale.key}`;
        const value = valueOf(scale.key);
        const range = Array.from(
          { length: scale.maximum - scale.minimum + 1 },
          (_, i) => scale.minimum + i,
        );
        return (
          <div class="field rating" key={scale.key}>
            <label for={id} title={scale.description}>
              {labelOf(scale)}
            </label>
            <select
              id={id}
              value={value == null ? "" : String(value)}
              disabled={readOnly}
              onChange={(e) => void rate(scale.key, Number(e.currentTarget.value))}
            >
              <option value="" disabled>
                {t("coding.notRated")}
              </option>
              {range.map((n) => (
                <option key={n} value={String(n)}>
                  {n}
                </option>
              ))}
            </select>
          </div>
        );
      })}
      <ErrorMessage error={error} />
    </section>
  );
}
