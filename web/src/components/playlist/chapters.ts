// Where each moment starts in the rendered presentation.

import type { PlaylistDetail } from "../../api/types";
import { onThisOrigin } from "./hls";

const CUE_TIME = /^(?:(\d+):)?(\d{2}):(\d{2}\.\d{3})\s+-->/;

/** The start (s) of each cue of a WebVTT file. */
export function cueStarts(vtt: string): number[] {
  const starts: number[] = [];
  for (const line of vtt.split(/\r?\n/)) {
    const found = CUE_TIME.exec(line.trim());
    if (found) starts.push(Number(found[1] ?? 0) * 3600 + Number(found[2]) * 60 + Number(found[3]));
  }
  return starts;
}

/**
 * The API places items only while the render shows the playlist as it is;
 * after an edit the last render still plays, and its chapters.vtt says where.
 */
export async function chapterStarts(playlist: PlaylistDetail): Promise<number[]> {
  const placed = playlist.items.map((i) => i.starts_at_s);
  if (placed.length > 0 && placed.every((s) => s !== null)) return placed as number[];
  if (!playlist.chapters_url) return [0];
  const response = await fetch(onThisOrigin(playlist.chapters_url), { cache: "no-store" });
  return response.ok ? cueStarts(await response.text()) : [0];
}
