import type { RefObject } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { RegionBox, Regions } from "../../api/types";
import { t } from "../../i18n";
import { CORNERS, type Grip, KEY_STEP, moved, pictureRect, resized, type Who, WHO } from "./regions";

interface Props {
  video: RefObject<HTMLVideoElement>;
  regions: Regions;
  /** The analysis' proposal, not yet changed: drawn dashed and labelled so. */
  proposal: boolean;
  /** Give the parent's box the focus once it is shown. */
  focus: boolean;
  onChange: (who: Who, box: RegionBox) => void;
  onCancel: () => void;
}

interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** The picture's place inside the player, followed as the element or the recording changes size. */
function usePictureRect(video: RefObject<HTMLVideoElement>): Rect | null {
  const [rect, setRect] = useState<Rect | null>(null);
  useEffect(() => {
    const element = video.current;
    if (!element) return;
    const measure = () => {
      const picture = pictureRect(element);
      setRect({ ...picture, left: element.offsetLeft + picture.left, top: element.offsetTop + picture.top });
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    // "resize": the recording's own size became known or changed
    element.addEventListener("loadedmetadata", measure);
    element.addEventListener("resize", measure);
    return () => {
      observer.disconnect();
      element.removeEventListener("loadedmetadata", measure);
      element.removeEventListener("resize", measure);
    };
  }, [video]);
  return rect;
}

const percent = (fraction: number) => Math.round(fraction * 100);

function position(who: Who, box: RegionBox): string {
  return t("regions.position", {
    who: t(`regions.${who}`),
    left: percent(box.x),
    top: percent(box.y),
    width: percent(box.w),
    height: percent(box.h),
  });
}

interface Drag {
  who: Who;
  grip: Grip | null;
  x: number;
  y: number;
  box: RegionBox;
}

/**
 * The parent's and the child's boxes over the video's picture: dragged or
 * resized at a corner with a mouse or a finger, or with the arrow keys once
 * focused (Shift: resize). Their key presses are their own (data-keeps-keys):
 * no code is made and no frame stepped while a box has the focus.
 */
export function RegionBoxes({ video, regions, proposal, focus, onChange, onCancel }: Props) {
  const rect = usePictureRect(video);
  const drag = useRef<Drag | null>(null);
  const first = useRef<HTMLDivElement>(null);
  const [said, say] = useState("");
  const shown = rect !== null && rect.width > 0 && rect.height > 0;
  useEffect(() => {
    if (shown && focus) first.current?.focus();
  }, [shown, focus]);
  if (!shown) return null;

  const onPointerDown = (event: PointerEvent, who: Who) => {
    if (event.button !== 0) return;
    event.preventDefault(); // no text selection, no scrolling on a touch screen
    const box = event.currentTarget as HTMLElement;
    box.focus({ preventScroll: true });
    box.setPointerCapture(event.pointerId);
    const corner = (event.target as HTMLElement).dataset.grip;
    drag.current = { who, grip: corner ? CORNERS[corner]! : null, x: event.clientX, y: event.clientY, box: regions[who] };
  };
  const onPointerMove = (event: PointerEvent) => {
    const d = drag.current;
    if (!d) return;
    const dx = (event.clientX - d.x) / rect.width;
    const dy = (event.clientY - d.y) / rect.height;
    onChange(d.who, d.grip ? resized(d.box, d.grip, dx, dy) : moved(d.box, dx, dy));
  };
  const onPointerUp = () => {
    const d = drag.current;
    drag.current = null;
    if (d) say(position(d.who, regions[d.who]));
  };
  const onKeyDown = (event: KeyboardEvent, who: Who) => {
    if (event.key === "Escape") {
      event.preventDefault();
      onCancel();
      return;
    }
    const step = {
      ArrowLeft: [-KEY_STEP, 0],
      ArrowRight: [KEY_STEP, 0],
      ArrowUp: [0, -KEY_STEP],
      ArrowDown: [0, KEY_STEP],
    }[event.key];
    if (!step || event.ctrlKey || event.metaKey || event.altKey) return;
    event.preventDefault();
    const [dx, dy] = step as [number, number];
    const box = event.shiftKey ? resized(regions[who], { right: true, bottom: true }, dx, dy) : moved(regions[who], dx, dy);
    onChange(who, box);
    say(position(who, box));
  };

  return (
    <div
      class={`region-layer${proposal ? " region-proposal" : ""}`}
      style={{ left: `${rect.left}px`, top: `${rect.top}px`, width: `${rect.width}px`, height: `${rect.height}px` }}
    >
      {WHO.map((who) => {
        const box = regions[who];
        return (
          <div
            key={who}
            ref={who === "parent" ? first : undefined}
            class={`region-box region-${who}`}
            data-who={who}
            data-keeps-keys=""
            role="button"
            tabIndex={0}
            aria-roledescription={t("regions.roleDescription")}
            aria-label={t(`regions.box.${who}`)}
            aria-describedby={`region-position-${who} region-keys`}
            style={{
              left: `${box.x * 100}%`,
              top: `${box.y * 100}%`,
              width: `${box.w * 100}%`,
              height: `${box.h * 100}%`,
            }}
            onPointerDown={(event) => onPointerDown(event, who)}
            onPointerMove={onPointerMove}
            onPointerUp={onPointerUp}
            onPointerCancel={onPointerUp}
            onKeyDown={(event) => onKeyDown(event, who)}
          >
            <span class="region-label" aria-hidden="true">
              {t(`regions.${who}`)}
              {proposal && ` (${t("regions.proposal")})`}
            </span>
            <span id={`region-position-${who}`} class="visually-hidden">
              {position(who, box)}
            </span>
            {Object.keys(CORNERS).map((corner) => (
              <span key={corner} class={`region-grip region-grip-${corner}`} data-grip={corner} aria-hidden="true" />
            ))}
          </div>
        );
      })}
      <p id="region-keys" class="visually-hidden">
        {t("regions.keys")}
      </p>
      <div class="visually-hidden" aria-live="polite">
        {said}
      </div>
    </div>
  );
}
