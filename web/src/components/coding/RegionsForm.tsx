import { useState } from "preact/hooks";
import type { Regions } from "../../api/types";
import { t } from "../../i18n";

const LEFT = { x: 0, y: 0, w: 0.5, h: 1 };
const RIGHT = { x: 0.5, y: 0, w: 0.5, h: 1 };
const TOP = { x: 0, y: 0, w: 1, h: 0.5 };
const BOTTOM = { x: 0, y: 0.5, w: 1, h: 0.5 };

/** How phones film a bath or a changing mat: one person on each side of the picture. */
const LAYOUTS = {
  parentLeft: { parent: LEFT, child: RIGHT },
  parentRight: { parent: RIGHT, child: LEFT },
  parentTop: { parent: TOP, child: BOTTOM },
  parentBottom: { parent: BOTTOM, child: TOP },
} satisfies Record<string, Regions>;

type Layout = keyof typeof LAYOUTS;

function layoutOf(regions: Regions | null): Layout | "" {
  if (!regions) return "";
  const found = (Object.keys(LAYOUTS) as Layout[]).find(
    (name) => JSON.stringify(LAYOUTS[name]) === JSON.stringify(regions),
  );
  return found ?? "";
}

/**
 * Where the parent and the child are in the picture. Motion is measured per
 * side, so a parent filmed on the right needs saying; the clip is then
 * analysed again.
 */
export function RegionsForm(props: { regions: Regions | null; busy: boolean; onPlace: (r: Regions) => void }) {
  const [layout, setLayout] = useState<Layout | "">(layoutOf(props.regions));
  return (
    <form
      class="row regions-form"
      onSubmit={(event) => {
        event.preventDefault();
        if (layout) props.onPlace(LAYOUTS[layout]);
      }}
    >
      <label for="regions-layout">{t("regions.label")}</label>
      <select id="regions-layout" value={layout} onChange={(e) => setLayout(e.currentTarget.value as Layout)}>
        <option value="">{t("regions.default")}</option>
        {(Object.keys(LAYOUTS) as Layout[]).map((name) => (
          <option key={name} value={name}>
            {t(`regions.${name}`)}
          </option>
        ))}
      </select>
      <button type="submit" disabled={props.busy || !layout || layout === layoutOf(props.regions)}>
        {t("regions.apply")}
      </button>
    </form>
  );
}
