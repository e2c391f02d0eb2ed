// Keyboard rules of the workspace, in one place.

/** Typing in a field never codes anything: the key belongs to the field. */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return (
    target.isContentEditable ||
    ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName)
  );
}

/** Space and Enter on a focused button or link press that button, nothing else. */
export function isPressingControl(event: KeyboardEvent): boolean {
  const target = event.target;
  return (
    (event.key === " " || event.key === "Enter") &&
    target instanceof HTMLElement &&
    ["BUTTON", "A", "SUMMARY"].includes(target.tagName)
  );
}

/**
 * The scheme's hotkey a key press means, whatever Shift does to it ("1" and
 * "!" are both the 1 key; "Q" is "q"): read from the physical key where
 * possible, so Shift+key can mean "start or end a segment".
 */
export function hotkeyOf(event: KeyboardEvent): string {
  const { code } = event;
  if (code.startsWith("Key")) return code.slice(3).toLowerCase();
  if (code.startsWith("Digit")) return code.slice(5);
  return event.key.toLowerCase();
}
