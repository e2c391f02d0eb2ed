import { useEffect } from "preact/hooks";
import type { MessageKey } from "../../i18n";
import { t } from "../../i18n";
import { unsavedInput } from "../../router";

/**
 * While `dirty`, leaving the page asks first: closing or reloading it (the
 * browser's own question, as the upload and playlist pages do) and following a
 * link in the app (`question`, in the person's language).
 */
export function useLeaveWarning(dirty: boolean, question: MessageKey = "account.leaveUnsaved"): void {
  useEffect(() => {
    if (!dirty) return;
    const self = {};
    const warn = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      event.returnValue = "";
    };
    unsavedInput.set(self, () => t(question));
    addEventListener("beforeunload", warn);
    return () => {
      unsavedInput.delete(self);
      removeEventListener("beforeunload", warn);
    };
  }, [dirty, question]);
}
