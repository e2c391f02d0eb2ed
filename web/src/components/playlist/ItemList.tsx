import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { Moment, PlaylistItem } from "../../api/types";
import { t } from "../../i18n";
import { ConfirmButton } from "./ConfirmButton";
import { itemTitle } from "./moments";

interface Props {
  items: PlaylistItem[];
  byAnnotation: Map<string, Moment>;
  busy: boolean;
  onOrder: (itemIds: string[]) => void;
  onRemove: (item: PlaylistItem) => void;
  /** The moment's settings, under its title. */
  editor: (item: PlaylistItem) => ComponentChildren;
}

/** `ids` with the one at `from` moved to `to`. */
function moved(ids: string[], from: number, to: number): string[] {
  const next = [...ids];
  next.splice(to, 0, ...next.splice(from, 1));
  return next;
}

/**
 * The playlist's moments in order. Reordered by dragging or, for a keyboard or
 * a screen reader, with "earlier"/"later" buttons that keep the focus on the
 * moment that moved and say where it went.
 */
export function ItemList({ items, byAnnotation, busy, onOrder, onRemove, editor }: Props) {
  const [dragged, setDragged] = useState<number | null>(null);
  const [announcement, setAnnouncement] = useState("");
  const refocus = useRef<string | null>(null);
  const ids = items.map((i) => i.id);

  // after a keyboard move the list re-renders: the button pressed follows its moment
  // (or, at the top or bottom now, its other move button)
  useEffect(() => {
    const wanted = refocus.current;
    refocus.current = null;
    if (!wanted) return;
    const other = wanted.startsWith("up-") ? `down-${wanted.slice(3)}` : `up-${wanted.slice(5)}`;
    const usable = [wanted, other]
      .map((id) => document.getElementById(id) as HTMLButtonElement | null)
      .find((button) => button && !button.disabled);
    usable?.focus();
  }, [items]);

  const move = (from: number, to: number, buttonId: string | null) => {
    if (to < 0 || to >= items.length || from === to) return;
    refocus.current = buttonId;
    setAnnouncement(t("playlist.movedTo", { position: to + 1, count: items.length }));
    onOrder(moved(ids, from, to));
  };

  if (items.length === 0) return <p>{t("playlist.empty")}</p>;
  return (
    <>
      <ol class="items">
        {items.map((item, index) => {
          const title = itemTitle(item, byAnnotation);
          return (
            <li
              key={item.id}
              class={`panel item${dragged === index ? " dragging" : ""}`}
              data-item-id={item.id}
              onDragOver={(e) => dragged !== null && e.preventDefault()}
              onDrop={(e) => {
                e.preventDefault();
                if (dragged !== null) move(dragged, index, null);
                setDragged(null);
              }}
            >
              <div class="item-head">
                <span
                  class="drag-handle"
                  draggable
                  title={t("playlist.drag")}
                  aria-hidden="true"
                  onDragStart={(e) => {
                    e.dataTransfer?.setData("text/plain", item.id);
                    setDragged(index);
                  }}
                  onDragEnd={() => setDragged(null)}
                >
                  ⠿
                </span>
                <h3 class="item-title">
                  {t("playlist.momentNumber", { number: index + 1 })}: {title}
                </h3>
                <div class="row item-tools">
                  <button
                    type="button"
                    id={`up-${item.id}`}
                    disabled={busy || index === 0}
                    aria-label={t("playlist.moveUpLabel", { number: index + 1 })}
                    onClick={() => move(index, index - 1, `up-${item.id}`)}
                  >
                    ↑ {t("playlist.moveUp")}
                  </button>
                  <button
                    type="button"
                    id={`down-${item.id}`}
                    disabled={busy || index === items.length - 1}
                    aria-label={t("playlist.moveDownLabel", { number: index + 1 })}
                    onClick={() => move(index, index + 1, `down-${item.id}`)}
                  >
                    ↓ {t("playlist.moveDown")}
                  </button>
                  <ConfirmButton
                    label={t("playlist.remove")}
                    ariaLabel={t("playlist.removeLabel", { number: index + 1 })}
                    question={t("playlist.removeConfirm", { number: index + 1 })}
                    confirmLabel={t("playlist.removeYes")}
                    disabled={busy}
                    onConfirm={() => onRemove(item)}
                  />
                </div>
              </div>
              {editor(item)}
            </li>
          );
        })}
      </ol>
      <p role="status" class="visually-hidden">
        {announcement}
      </p>
    </>
  );
}
