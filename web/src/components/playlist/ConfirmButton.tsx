import { useEffect, useId, useRef, useState } from "preact/hooks";
import { t } from "../../i18n";

interface Props {
  /** The button's text, and its accessible name when that needs more words. */
  label: string;
  ariaLabel?: string;
  /** What will happen, asked before it does. */
  question: string;
  confirmLabel: string;
  /** The first button looks destructive too (else only the confirming one does). */
  danger?: boolean;
  disabled?: boolean;
  onConfirm: () => void;
}

/**
 * A destructive button that asks first, in place: the question takes the
 * focus, Escape or "Annuleren" puts it back on the button.
 */
export function ConfirmButton({ label, ariaLabel, question, confirmLabel, danger, disabled, onConfirm }: Props) {
  const [asking, setAsking] = useState(false);
  const questionId = useId();
  const questionRef = useRef<HTMLParagraphElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const asked = useRef(false);
  useEffect(() => {
    if (asking) questionRef.current?.focus();
    else if (asked.current) buttonRef.current?.focus();
    asked.current = asking;
  }, [asking]);

  if (!asking) {
    return (
      <button ref={buttonRef} type="button" class={danger ? "danger" : ""} disabled={disabled} aria-label={ariaLabel}
        onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return (
    <div
      class="confirm"
      role="group"
      aria-labelledby={questionId}
      onKeyDown={(event) => {
        if (event.key === "Escape") setAsking(false);
      }}
    >
      <p id={questionId} ref={questionRef} tabIndex={-1}>
        {question}
      </p>
      <div class="row">
        <button
          type="button"
          class="danger"
          disabled={disabled}
          onClick={() => {
            asked.current = false; // the button is gone with what it removed
            setAsking(false);
            onConfirm();
          }}
        >
          {confirmLabel}
        </button>
        <button type="button" onClick={() => setAsking(false)}>
          {t("app.cancel")}
        </button>
      </div>
    </div>
  );
}
