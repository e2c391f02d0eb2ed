// Keyboard rules of the workspace, in one place: which key presses belong to
// the focused element and which to the workspace.
//
// - A text field (where the user types) keeps every key, Ctrl+Z included.
// - An element marked data-keeps-keys (the parent's and child's boxes over the
//   video, moved and resized with the arrows) keeps every key but Space: no
//   hotkey codes and no arrow steps a frame while it has the focus.
// - A list (select), a radio group or a slider keeps its arrows (and the keys
//   that move within it); Enter on any control is that control's own, pressed
//   on purpose.
// - Everything else is the workspace's, wherever the focus is: Space plays or
//   pauses (it never presses the focused button, ticks a box or opens a list),
//   the scheme's hotkeys code, Ctrl+Z undoes.

/** Inputs that are not typed in: they are pressed, ticked, chosen or slid. */
const NOT_TYPED = new Set(["button", "submit", "reset", "checkbox", "radio", "range", "color", "file", "image"]);

/** Typing in a field never codes anything: the key belongs to the field. */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target.tagName === "TEXTAREA") return true;
  return target instanceof HTMLInputElement && !NOT_TYPED.has(target.type);
}

const ARROWS = new Set(["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"]);
const MOVING_WITHIN = new Set([...ARROWS, "Home", "End", "PageUp", "PageDown"]);

/** Elements that choose one value among several with the arrows. */
function choosesWithArrows(target: HTMLElement): boolean {
  return (
    target.tagName === "SELECT" ||
    (target instanceof HTMLInputElement && (target.type === "radio" || target.type === "range"))
  );
}

/** Whether the focused element keeps this key press; false: the workspace's shortcut. */
export function belongsToFocused(event: KeyboardEvent): boolean {
  const target = event.target;
  if (!(target instanceof HTMLElement) || target === document.body) return false;
  if (isTyping(target)) return true;
  if (target.closest("[data-keeps-keys]")) return event.key !== " ";
  if (event.key === "Enter") return true; // pressing or confirming the control itself
  if (event.ctrlKey || event.metaKey || event.altKey) return false;
  return choosesWithArrows(target) && MOVING_WITHIN.has(event.key);
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

/** Ctrl+Z (⌘Z on a Mac) undoes; Ctrl+Shift+Z and Ctrl+Y redo. */
export function historyKey(event: KeyboardEvent): "undo" | "redo" | null {
  if (!(event.ctrlKey || event.metaKey) || event.altKey) return null;
  const key = hotkeyOf(event);
  if (key === "z") return event.shiftKey ? "redo" : "undo";
  if (key === "y" && !event.shiftKey) return "redo";
  return null;
}
