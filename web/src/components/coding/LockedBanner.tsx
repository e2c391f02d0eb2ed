import { supervision } from "../../api/endpoints";
import type { Review, ReviewState } from "../../api/types";
import { useAction } from "../../hooks";
import { t } from "../../i18n";
import { ErrorMessage } from "../ErrorMessage";
import type { Said } from "./said";

/** The review states in which the coder's set is read-only, and how they take it back. */
const TAKE_BACK = {
  submitted: { text: "coding.locked.submitted", action: "withdraw", button: "coding.withdrawToEdit" },
  approved: { text: "coding.locked.approved", action: "reopen", button: "coding.reopenToEdit" },
} as const;

export type Locked = keyof typeof TAKE_BACK;

export function isLocked(state: ReviewState): state is Locked {
  return state in TAKE_BACK;
}

/** What a key that would change a read-only set says instead. */
export function lockedKeySaid(state: Locked): Said {
  return { key: `coding.lockedKey.${state}` };
}

interface Props {
  setId: string;
  state: Locked;
  /** After the set was taken back: it is a draft again. */
  onTakenBack: (review: Review) => Promise<void>;
}

/**
 * Above the player while the set is with a supervisor (or approved): it cannot
 * be changed now, and the one deliberate step that makes it editable again.
 */
export function LockedBanner({ setId, state, onTakenBack }: Props) {
  const action = useAction();
  const how = TAKE_BACK[state];
  return (
    <div class="locked-banner stack" data-state={state}>
      <p>{t(how.text)}</p>
      <div class="row">
        <button
          type="button"
          disabled={action.busy}
          onClick={() =>
            void action.run(async () => {
              await onTakenBack(await supervision.move(setId, how.action, ""));
            })
          }
        >
          {t(how.button)}
        </button>
      </div>
      <ErrorMessage error={action.error} />
    </div>
  );
}
