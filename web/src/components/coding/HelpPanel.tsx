import type { SchemeCode } from "../../api/types";
import { t } from "../../i18n";
import { CATEGORY_ORDER, labelOf } from "./schemeText";

/** The keys of the workspace and of this scheme, one click away. */
export function HelpPanel({ codes, readOnly }: { codes: SchemeCode[]; readOnly: boolean }) {
  const keyed = codes.filter((c) => c.hotkey);
  return (
    <details class="panel help">
      <summary>{t("help.title")}</summary>
      <dl class="facts">
        <dt>
          <kbd>{t("help.space")}</kbd>
        </dt>
        <dd>{t("help.playPause")}</dd>
        <dt>
          <kbd>←</kbd> <kbd>→</kbd>
        </dt>
        <dd>{t("help.frame")}</dd>
        <dt>
          <kbd>Shift</kbd>+<kbd>←</kbd> <kbd>→</kbd>
        </dt>
        <dd>{t("help.second")}</dd>
        {!readOnly && (
          <>
            <dt>
              <kbd>Ctrl</kbd>+<kbd>Z</kbd>
            </dt>
            <dd>{t("help.undo")}</dd>
            <dt>
              <kbd>Ctrl</kbd>+<kbd>Shift</kbd>+<kbd>Z</kbd> <kbd>Ctrl</kbd>+<kbd>Y</kbd>
            </dt>
            <dd>{t("help.redo")}</dd>
            <dt>
              <kbd>Esc</kbd>
            </dt>
            <dd>{t("help.cancel")}</dd>
            <dt>
              <kbd>Alt</kbd>+<kbd>←</kbd> <kbd>→</kbd>
            </dt>
            <dd>{t("help.moveStart")}</dd>
            <dt>
              <kbd>Alt</kbd>+<kbd>Shift</kbd>+<kbd>←</kbd> <kbd>→</kbd>
            </dt>
            <dd>{t("help.moveEnd")}</dd>
            <dt>
              <kbd>Y</kbd> <kbd>N</kbd>
            </dt>
            <dd>{t("help.suggestion")}</dd>
            <dt>
              (<kbd>Shift</kbd>+) <kbd>←</kbd> <kbd>↑</kbd> <kbd>→</kbd> <kbd>↓</kbd>
            </dt>
            <dd>{t("regions.help")}</dd>
          </>
        )}
      </dl>
      {!readOnly && (
        <>
          <p class="hint">{t("help.kinds")}</p>
          {CATEGORY_ORDER.filter((category) => keyed.some((c) => c.category === category)).map(
            (category) => (
              <section key={category} class="hotkey-group" data-category={category}>
                <h3>{t(`category.${category}`)}</h3>
                <ul class="hotkeys">
                  {keyed
                    .filter((c) => c.category === category)
                    .map((code) => (
                      <li key={code.key}>
                        <kbd>{code.hotkey}</kbd>{" "}
                        <span class="swatch" style={{ background: code.colour }} aria-hidden="true" />{" "}
                        {labelOf(code)} <span class="hint">({t(`kind.${code.kind}`)})</span>
                      </li>
                    ))}
                </ul>
              </section>
            ),
          )}
        </>
      )}
    </details>
  );
}
