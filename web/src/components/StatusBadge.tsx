import type { CaseStatus, ClipStatus, PlaylistStatus } from "../api/types";
import { t } from "../i18n";

type Tone = "neutral" | "busy" | "good" | "bad";

const CLIP_TONES: Record<ClipStatus, Tone> = {
  uploading: "busy", queued: "busy", processing: "busy",
  ready: "good", failed: "bad", purged: "neutral",
};
const CASE_TONES: Record<CaseStatus, Tone> = { open: "good", closed: "neutral", purged: "neutral" };
const PLAYLIST_TONES: Record<PlaylistStatus, Tone> = {
  draft: "neutral", rendering: "busy", ready: "good", failed: "bad", purged: "neutral",
};

function Badge({ tone, text }: { tone: Tone; text: string }) {
  return <span class={`badge badge-${tone}`}>{text}</span>;
}

export function ClipStatusBadge({ status }: { status: ClipStatus }) {
  return <Badge tone={CLIP_TONES[status]} text={t(`clipStatus.${status}`)} />;
}

export function CaseStatusBadge({ status }: { status: CaseStatus }) {
  return <Badge tone={CASE_TONES[status]} text={t(`caseStatus.${status}`)} />;
}

export function PlaylistStatusBadge({ status }: { status: PlaylistStatus }) {
  return <Badge tone={PLAYLIST_TONES[status]} text={t(`playlistStatus.${status}`)} />;
}
