// How a coded moment is named and placed, in the user's language.

import type { Moment, PlaylistItem } from "../../api/types";
import { formatSpan } from "../../format";
import { getLang, t } from "../../i18n";

export function momentLabel(moment: Moment): string {
  const label = getLang() === "en" ? moment.label_en : moment.label_nl;
  return label ?? moment.code;
}

/** "Gedeeld plezier · badje.mp4 · 0:00.000–0:04.000": what an item of the playlist shows. */
export function itemTitle(item: PlaylistItem, byAnnotation: Map<string, Moment>): string {
  const moment = item.annotation_id ? byAnnotation.get(item.annotation_id) : undefined;
  const name = moment ? momentLabel(moment) : (item.code ?? t("playlist.freeRange"));
  const where = moment ? `${moment.clip} · ` : "";
  return `${name} · ${where}${formatSpan(item.start_ms, item.end_ms)}`;
}

/** The moment (chapter) the playhead is in, by the chapter start times. */
export function chapterAt(starts: number[], time: number): number {
  let index = 0;
  starts.forEach((start, i) => {
    if (time + 0.05 >= start) index = i;
  });
  return index;
}
