// The clip's storyboard: thumbnails tiled into sprites, indexed by a WebVTT
// file whose cues read `<sprite>?t=…#xywh=x,y,w,h`. The timeline shows the
// thumbnail under the pointer, so a coder finds a moment without playing.

import { useEffect, useState } from "preact/hooks";

export interface Thumbnail {
  startMs: number;
  endMs: number;
  /** The sprite, resolved against the VTT file's address. */
  image: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** "00:01:02.500" or "01:02.500" -> 62500 */
function vttMs(stamp: string): number {
  const parts = stamp.trim().split(":").map(Number);
  return Math.round(parts.reduce((total, part) => total * 60 + part, 0) * 1000);
}

export function parseStoryboard(text: string, base: string): Thumbnail[] {
  const thumbnails: Thumbnail[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    const [from, to] = line.split("-->");
    const target = lines[i + 1]?.trim();
    if (!from || !to || !target) return;
    const [image, fragment] = target.split("#xywh=");
    const box = fragment?.split(",").map(Number);
    if (!image || !box || box.length !== 4 || box.some(Number.isNaN)) return;
    const [x, y, width, height] = box as [number, number, number, number];
    const url = new URL(image, new URL(base, location.href));
    thumbnails.push({
      startMs: vttMs(from), endMs: vttMs(to.trim().split(/\s/)[0] ?? ""),
      image: url.pathname + url.search, x, y, width, height,
    });
  });
  return thumbnails;
}

/** The thumbnails, or none: the storyboard is a help, never a reason for an error. */
export function useStoryboard(url: string | null): Thumbnail[] {
  const [thumbnails, setThumbnails] = useState<Thumbnail[]>([]);
  useEffect(() => {
    if (!url) return;
    let current = true;
    fetch(url, { credentials: "same-origin" })
      .then((response) => (response.ok ? response.text() : ""))
      .then((text) => current && setThumbnails(parseStoryboard(text, url)))
      .catch(() => {});
    return () => void (current = false);
  }, [url]);
  return thumbnails;
}

export function thumbnailAt(thumbnails: Thumbnail[], ms: number): Thumbnail | undefined {
  return thumbnails.find((th) => th.startMs <= ms && ms < th.endMs) ?? thumbnails[thumbnails.length - 1];
}
