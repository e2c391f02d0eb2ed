import type { Regions } from "../../api/types";
import { t } from "../../i18n";
import { ErrorMessage } from "../ErrorMessage";
import { type Layout, LAYOUTS, layoutOf } from "./regions";
import type { RegionsEditor } from "./useRegions";

/**
 * Where the parent and the child are in the picture. Motion is measured per
 * box, so boxes that miss a person miss their movement: the boxes are
 * adjusted over the video (RegionBoxes), a quick layout places both, and
 * saving analyses the clip again.
 */
export function RegionsForm(props: { saved: Regions | null; busy: boolean; editor: RegionsEditor }) {
  const { editor } = props;
  const shown = editor.draft ?? props.saved;
  return (
    <div class="regions-form stack" data-editing={editor.draft ? "" : undefined}>
      <div class="row">
        <label for="regions-layout">{t("regions.label")}</label>
        <select
          id="regions-layout"
          value={shown ? layoutOf(shown) : ""}
          disabled={props.busy || editor.saving}
          onChange={(e) => {
            const layout = e.currentTarget.value as Layout | "";
            if (layout) editor.place(layout);
          }}
        >
          <option value="">{t("regions.default")}</option>
          {(Object.keys(LAYOUTS) as Layout[]).map((name) => (
            <option key={name} value={name}>
              {t(`regions.${name}`)}
            </option>
          ))}
        </select>
      </div>
      {!editor.draft && (
        <button type="button" ref={editor.opener} disabled={props.busy} onClick={editor.open}>
          {t("regions.adjust")}
        </button>
      )}
      {editor.draft && (
        <>
          {editor.source && !editor.dirty && (
            <p class="hint regions-source" data-source={editor.source}>
              {t(`regions.source.${editor.source}`)}
            </p>
          )}
          {editor.dirty && <p class="hint regions-unsaved">{t("regions.unsaved")}</p>}
          <p class="hint">{t("regions.howTo")}</p>
          <div class="row">
            <button
              type="button"
              class="primary"
              disabled={props.busy || editor.saving}
              onClick={() => void editor.save()}
            >
              {t("regions.save")}
            </button>
            <button type="button" disabled={editor.saving} onClick={editor.cancel}>
              {t("regions.cancel")}
            </button>
          </div>
          <ErrorMessage error={editor.error} />
        </>
      )}
    </div>
  );
}
