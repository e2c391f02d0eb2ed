import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
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
  onRated: (scale: SchemeScale, value: number) => void;
}

type Choices = Record<string, number>;

/**
 * The coder's global ratings on the scheme's scales, one row of choices per
 * scale. Arrowing through a row only chooses; the choice is saved once it is
 * made: a click, Enter, or the focus leaving the row. A choice not saved yet
 * is saved when the workspace closes or the page is left.
 */
export function RatingsPanel({ setId, scales, ratings, readOnly, onRated }: Props) {
  const [error, setError] = useState<unknown>(null);
  const [chosen, setChosenState] = useState<Choices>({});
  // Read when the page is left, after the last render: the latest choices live here.
  const chosenRef = useRef<Choices>({});
  const setChosen = (next: Choices) => {
    chosenRef.current = next;
    setChosenState(next);
  };
  const saved = (key: string) => ratings.find((r) => r.scale === key)?.value;

  // What was last sent per scale: a choice confirmed twice (Enter, then the
  // focus leaving) is saved once.
  const sent = useRef<Choices>({});

  /** Saves the choice on this scale, unless it is what is stored (or on its way). */
  const commit = async (scale: SchemeScale, leaving = false) => {
    const value = chosenRef.current[scale.key];
    if (value === undefined || value === saved(scale.key) || value === sent.current[scale.key]) return;
    sent.current[scale.key] = value;
    setError(null);
    try {
      await coding.rate(setId, scale.key, value, leaving);
      onRated(scale, value);
    } catch (caught) {
      delete sent.current[scale.key];
      setError(caught);
    }
  };
  const commitAll = useRef((_leaving: boolean) => {});
  commitAll.current = (leaving) => scales.forEach((s) => void commit(s, leaving));

  useEffect(() => {
    const leave = () => commitAll.current(true);
    window.addEventListener("pagehide", leave);
    return () => {
      window.removeEventListener("pagehide", leave);
      commitAll.current(false); // the workspace closes: another page of the app
    };
  }, []);

  if (scales.length === 0) return null;
  return (
    <section class="panel stack" aria-labelledby="ratings-title">
      <h2 id="ratings-title">{t("coding.ratings")}</h2>
      {!readOnly && <p class="hint">{t("coding.ratingsHint")}</p>}
      {scales.map((scale) => (
        <ScaleRow
          key={scale.key}
          scale={scale}
          value={chosen[scale.key] ?? saved(scale.key)}
          readOnly={readOnly}
          onChoose={(value) => setChosen({ ...chosenRef.current, [scale.key]: value })}
          onCommit={() => void commit(scale)}
        />
      ))}
      <ErrorMessage error={error} />
    </section>
  );
}

interface RowProps {
  scale: SchemeScale;
  value: number | undefined;
  readOnly: boolean;
  onChoose: (value: number) => void;
  onCommit: () => void;
}

/** One scale as radio buttons: arrows move the choice within the row. */
function ScaleRow({ scale, value, readOnly, onChoose, onCommit }: RowProps) {
  const range = Array.from({ length: scale.maximum - scale.minimum + 1 }, (_, i) => scale.minimum + i);
  // Arrowing changes the choice while a key is down; a click or a tap does not.
  const arrowing = useRef(false);
  const left = (event: JSX.TargetedFocusEvent<HTMLFieldSetElement>) => {
    const next = event.relatedTarget;
    if (!(next instanceof Node && event.currentTarget.contains(next))) onCommit();
  };
  return (
    <fieldset
      class="rating"
      data-scale={scale.key}
      disabled={readOnly}
      onFocusOut={left}
      onKeyDown={(event) => {
        arrowing.current = event.key.startsWith("Arrow");
        if (event.key === "Enter") onCommit();
      }}
      onKeyUp={() => (arrowing.current = false)}
    >
      <legend title={scale.description}>{labelOf(scale)}</legend>
      <div class="rating-choices">
        {range.map((n) => (
          <label key={n}>
            <input
              type="radio"
              name={`rating-${scale.key}`}
              value={String(n)}
              checked={value === n}
              onChange={() => {
                onChoose(n);
                if (!arrowing.current) onCommit(); // clicked or tapped: chosen
              }}
            />
            {n}
          </label>
        ))}
      </div>
      {value === undefined && <p class="hint">{t("coding.notRated")}</p>}
    </fieldset>
  );
}
