import type { SchemeCode } from "../../api/types";
import { t } from "../../i18n";
import { labelOfKey } from "./schemeText";
import type { OpenSegment } from "./Timeline";

interface Props {
  codes: SchemeCode[];
  open: OpenSegment[];
  canUndo: boolean;
  canRedo: boolean;
  onUndo: () => void;
  onRedo: () => void;
}

/**
 * Under the player: undo and redo (also Ctrl+Z, Ctrl+Shift+Z and Ctrl+Y; a
 * Space never presses them), and the segments being recorded.
 */
export function EditBar({ codes, open, canUndo, canRedo, onUndo, onRedo }: Props) {
  return (
    <div class="row toolbar">
      <button type="button" disabled={!canUndo} onClick={onUndo} aria-keyshortcuts="Control+Z">
        {t("coding.undo")}
      </button>
      <button type="button" disabled={!canRedo} onClick={onRedo} aria-keyshortcuts="Control+Shift+Z Control+Y">
        {t("coding.redo")}
      </button>
      {open.length > 0 && (
        <span class="open-segments">
          {t("coding.recording", { codes: open.map((o) => labelOfKey(codes, o.code)).join(", ") })}
        </span>
      )}
    </div>
  );
}
