import { coding } from "../../api/endpoints";
import type { AnnotationSet, Me } from "../../api/types";
import { type Loaded, useLoad } from "../../hooks";
import { ExportLinks } from "./ExportLinks";
import { SecondCoders } from "./SecondCoders";

/** The people's sets on a clip (the analysis' suggestions are nobody's coding). */
export function useClipSets(clipId: string): Loaded<AnnotationSet[]> {
  return useLoad(
    async () => (await coding.setsOf(clipId)).filter((s) => s.purpose !== "suggestions"),
    clipId,
  );
}

/** The clip page's research sections: second coders and their agreement, exports. */
export function ClipResearch({ clipId, me, sets }: { clipId: string; me: Me; sets: AnnotationSet[] }) {
  return (
    <>
      <SecondCoders clipId={clipId} me={me} sets={sets} />
      <ExportLinks sets={sets} />
    </>
  );
}
