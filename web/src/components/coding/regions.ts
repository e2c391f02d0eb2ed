// The parent's and the child's boxes as fractions (0..1) of the video's
// picture: where they start (drawn by a person, proposed by the analysis, or
// the picture's halves), the quick layouts, and the moves a mouse, a finger or
// an arrow key makes with them. Nothing here knows about pixels except
// `pictureRect`, which finds the picture inside the video element.

import type { ClipAnalysis, RegionBox, Regions } from "../../api/types";

export type Who = keyof Regions;
export const WHO: readonly Who[] = ["parent", "child"];

/** Where the boxes the workspace starts from came from. */
export type RegionsSource = "saved" | "proposed" | "halves";

/** The API refuses a box of 5% or less of the picture either way. */
export const MIN_SIZE = 0.06;
/** One arrow key press: 1% of the picture. */
export const KEY_STEP = 0.01;

const LEFT = { x: 0, y: 0, w: 0.5, h: 1 };
const RIGHT = { x: 0.5, y: 0, w: 0.5, h: 1 };
const TOP = { x: 0, y: 0, w: 1, h: 0.5 };
const BOTTOM = { x: 0, y: 0.5, w: 1, h: 0.5 };

/** How phones film a bath or a changing mat: one person on each side of the picture. */
export const LAYOUTS = {
  parentLeft: { parent: LEFT, child: RIGHT },
  parentRight: { parent: RIGHT, child: LEFT },
  parentTop: { parent: TOP, child: BOTTOM },
  parentBottom: { parent: BOTTOM, child: TOP },
} satisfies Record<string, Regions>;

export type Layout = keyof typeof LAYOUTS;

const sameBox = (a: RegionBox, b: RegionBox) =>
  Math.abs(a.x - b.x) < 1e-4 && Math.abs(a.y - b.y) < 1e-4 && Math.abs(a.w - b.w) < 1e-4 && Math.abs(a.h - b.h) < 1e-4;

export const sameRegions = (a: Regions, b: Regions) => sameBox(a.parent, b.parent) && sameBox(a.child, b.child);

export function layoutOf(regions: Regions): Layout | "" {
  return (Object.keys(LAYOUTS) as Layout[]).find((name) => sameRegions(LAYOUTS[name], regions)) ?? "";
}

/** What the analysis measures when nobody drew boxes and motion proposed none:
 * left and right halves, or top and bottom for a portrait recording. */
export function halves(width: number, height: number): Regions {
  return height > width ? LAYOUTS.parentTop : LAYOUTS.parentLeft;
}

/** The boxes the analysis placed where the movement was (its `regions_from_motion` note). */
export function proposedBy(analysis: ClipAnalysis | undefined): Regions | null {
  const values = analysis?.notes.find((note) => note.key === "regions_from_motion")?.values;
  if (!values) return null;
  const box = (who: Who): RegionBox | null => {
    const read = (name: keyof RegionBox) => Number(values[`${who}_${name}`]);
    const found = { x: read("x"), y: read("y"), w: read("w"), h: read("h") };
    return Object.values(found).every(Number.isFinite) ? fit(found) : null;
  };
  const parent = box("parent");
  const child = box("child");
  return parent && child ? { parent, child } : null;
}

/** The boxes to start from, and where they came from. */
export function startingRegions(
  analysis: ClipAnalysis | undefined,
  width: number,
  height: number,
): { regions: Regions; source: RegionsSource } {
  if (analysis?.regions) return { regions: analysis.regions, source: "saved" };
  const proposed = proposedBy(analysis);
  if (proposed) return { regions: proposed, source: "proposed" };
  return { regions: halves(width, height), source: "halves" };
}

const clamp = (value: number, low: number, high: number) => Math.min(Math.max(value, low), high);

/** The box made to lie inside the picture, at least the smallest size. */
export function fit(box: RegionBox): RegionBox {
  const w = clamp(box.w, MIN_SIZE, 1);
  const h = clamp(box.h, MIN_SIZE, 1);
  return { x: clamp(box.x, 0, 1 - w), y: clamp(box.y, 0, 1 - h), w, h };
}

/** The box moved by (dx, dy), its size kept; it stops at the picture's edge. */
export function moved(box: RegionBox, dx: number, dy: number): RegionBox {
  return { ...box, x: clamp(box.x + dx, 0, 1 - box.w), y: clamp(box.y + dy, 0, 1 - box.h) };
}

/** A corner or edge being dragged: which sides of the box follow the pointer. */
export interface Grip {
  left?: boolean;
  right?: boolean;
  top?: boolean;
  bottom?: boolean;
}

export const CORNERS: Record<string, Grip> = {
  nw: { left: true, top: true },
  ne: { right: true, top: true },
  sw: { left: true, bottom: true },
  se: { right: true, bottom: true },
};

/** The box with the gripped sides moved by (dx, dy); the opposite sides stay put. */
export function resized(box: RegionBox, grip: Grip, dx: number, dy: number): RegionBox {
  let left = box.x;
  let top = box.y;
  let right = box.x + box.w;
  let bottom = box.y + box.h;
  if (grip.left) left = clamp(left + dx, 0, right - MIN_SIZE);
  if (grip.right) right = clamp(right + dx, left + MIN_SIZE, 1);
  if (grip.top) top = clamp(top + dy, 0, bottom - MIN_SIZE);
  if (grip.bottom) bottom = clamp(bottom + dy, top + MIN_SIZE, 1);
  return { x: left, y: top, w: right - left, h: bottom - top };
}

const thousandths = (value: number) => Math.round(value * 1000) / 1000;

/** As the API stores it: three decimals, still inside the picture after rounding. */
export function rounded(regions: Regions): Regions {
  const one = (box: RegionBox): RegionBox => {
    const x = thousandths(box.x);
    const y = thousandths(box.y);
    return { x, y, w: Math.min(thousandths(box.w), thousandths(1 - x)), h: Math.min(thousandths(box.h), thousandths(1 - y)) };
  };
  return { parent: one(regions.parent), child: one(regions.child) };
}

/** Where the picture is inside the video element, in pixels from the element's
 * top-left corner: a portrait or letterboxed recording does not fill the
 * element (object-fit: contain, the video default; `cover` and `fill` too). */
export function pictureRect(video: HTMLVideoElement): { left: number; top: number; width: number; height: number } {
  const width = video.clientWidth;
  const height = video.clientHeight;
  const natural = { w: video.videoWidth, h: video.videoHeight };
  const fitting = getComputedStyle(video).objectFit;
  if (!natural.w || !natural.h || !width || !height || fitting === "fill") {
    return { left: 0, top: 0, width, height };
  }
  const scale = (fitting === "cover" ? Math.max : Math.min)(width / natural.w, height / natural.h);
  const shown = { w: natural.w * scale, h: natural.h * scale };
  return { left: (width - shown.w) / 2, top: (height - shown.h) / 2, width: shown.w, height: shown.h };
}
