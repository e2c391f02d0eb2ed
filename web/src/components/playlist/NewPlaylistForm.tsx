import { playlists } from "../../api/endpoints";
import { t } from "../../i18n";
import { navigate, paths } from "../../router";
import { NameForm } from "../NameForm";

/** A new visit playlist for the case, opened in the builder straight away. */
export function NewPlaylistForm({ caseId }: { caseId: string }) {
  return (
    <NameForm
      id="playlist-title"
      label={t("playlist.newTitle")}
      hint={t("playlist.newTitleHint")}
      maxLength={200}
      submit={t("playlist.create")}
      onName={async (title) => navigate(paths.playlist((await playlists.create(caseId, title)).id))}
    />
  );
}
