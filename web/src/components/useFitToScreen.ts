// A video as large as the screen allows, and no larger: a portrait recording
// on a phone fills the screen, but its controls (and what must be seen under
// it, such as the question for the parent) stay on screen, whatever is above
// it on the page (a header, a title that wraps, buttons).

import type { RefObject } from "preact";
import { useEffect } from "preact/hooks";

/** Never smaller than this (px), even when much is above it. */
const MIN_HEIGHT = 192;
/** Air between the bottom of what must be seen and the bottom of the screen (px). */
const MARGIN = 12;

/**
 * Sets the element's max-height so that it, and everything down to the
 * bottom of `under` (if given), fits between its place on the page and the
 * bottom of the screen. Follows resizes, rotation and changes above it.
 */
export function useFitToScreen(target: RefObject<HTMLElement>, under?: RefObject<HTMLElement>): void {
  useEffect(() => {
    const element = target.current;
    if (!element) return;
    let frame = 0;
    const fit = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        const box = element.getBoundingClientRect();
        const below = under?.current ? Math.max(0, under.current.getBoundingClientRect().bottom - box.bottom) : 0;
        const room = window.innerHeight - (box.top + window.scrollY) - below - MARGIN;
        const height = `${Math.max(MIN_HEIGHT, Math.floor(room))}px`;
        if (element.style.maxHeight !== height) element.style.maxHeight = height;
      });
    };
    const watcher = new ResizeObserver(fit);
    watcher.observe(document.body);
    if (under?.current) watcher.observe(under.current);
    addEventListener("resize", fit);
    document.addEventListener("fullscreenchange", fit);
    element.addEventListener("loadedmetadata", fit);
    fit();
    return () => {
      cancelAnimationFrame(frame);
      watcher.disconnect();
      removeEventListener("resize", fit);
      document.removeEventListener("fullscreenchange", fit);
      element.removeEventListener("loadedmetadata", fit);
    };
  }, []);
}
