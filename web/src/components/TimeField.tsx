import type { JSX } from "preact";

interface Props {
  id: string;
  label: string;
  hint?: string;
  /** What the field shows: formatClock's or formatSeconds' text, or what was typed. */
  value: string;
  /** Why the value cannot be used, in the user's language; shown under the field. */
  error?: string | null;
  onInput: (text: string) => void;
  /** The person is done with the field: it loses the focus, or Enter is pressed. */
  onCommit?: () => void;
}

/**
 * A time or a number of seconds. A text field, not type="number": it takes
 * what it shows (0:11.833, 2,5) and leaves the checking to the app, which
 * says what is wrong in the user's language instead of a browser bubble.
 */
export function TimeField({ id, label, hint, value, error, onInput, onCommit }: Props) {
  const described = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(" ");
  const onBlur = onCommit ? () => onCommit() : undefined;
  return (
    <div class="field time-field">
      <label for={id}>{label}</label>
      <input
        id={id}
        type="text"
        inputMode="decimal"
        autoComplete="off"
        spellcheck={false}
        aria-invalid={error ? true : undefined}
        aria-describedby={described || undefined}
        value={value}
        onInput={(e: JSX.TargetedEvent<HTMLInputElement>) => onInput(e.currentTarget.value)}
        onBlur={onBlur}
        onKeyDown={(e) => e.key === "Enter" && onCommit?.()}
      />
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p class="error field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}
