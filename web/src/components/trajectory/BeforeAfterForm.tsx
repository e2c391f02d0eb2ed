import { useState } from "preact/hooks";
import { trajectoryEdit } from "../../api/endpoints";
import type { Goal, Visit } from "../../api/types";
import { useAction } from "../../hooks";
import { t } from "../../i18n";
import { navigate, paths } from "../../router";
import { ErrorMessage } from "../ErrorMessage";
import { visitName } from "./words";

/**
 * Two visits side by side for the parents: a draft playlist alternating
 * comparable moments of an earlier and a later visit (moments linked to the
 * chosen goal first), opened in the playlist builder to look over.
 */
export function BeforeAfterForm({ caseId, visits, goals }: { caseId: string; visits: Visit[]; goals: Goal[] }) {
  const [first, setFirst] = useState(visits[0]?.id ?? "");
  const [second, setSecond] = useState(visits[visits.length - 1]?.id ?? "");
  const [goal, setGoal] = useState("");
  const action = useAction();
  if (visits.length < 2) {
    return (
      <section aria-labelledby="before-after-title" class="stack">
        <h2 id="before-after-title">{t("trajectory.beforeAfter")}</h2>
        <p class="muted">{t("trajectory.beforeAfterTwoVisits")}</p>
      </section>
    );
  }
  const build = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      const made = await trajectoryEdit.beforeAfter(caseId, first, second, goal || null);
      navigate(paths.playlist(made.id));
    }, false);
  };
  return (
    <section aria-labelledby="before-after-title" class="stack">
      <h2 id="before-after-title">{t("trajectory.beforeAfter")}</h2>
      <p class="hint">{t("trajectory.beforeAfterHint")}</p>
      <form class="stack" onSubmit={build}>
        <div class="row before-after-fields">
          <div class="field">
            <label for="before-visit">{t("trajectory.beforeVisit")}</label>
            <select id="before-visit" value={first} onChange={(e) => setFirst(e.currentTarget.value)}>
              {visits.map((v) => (
                <option key={v.id} value={v.id}>
                  {visitName(v)}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="after-visit">{t("trajectory.afterVisit")}</label>
            <select id="after-visit" value={second} onChange={(e) => setSecond(e.currentTarget.value)}>
              {visits.map((v) => (
                <option key={v.id} value={v.id}>
                  {visitName(v)}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="before-after-goal">{t("trajectory.beforeAfterGoal")}</label>
            <select id="before-after-goal" value={goal} onChange={(e) => setGoal(e.currentTarget.value)}>
              <option value="">{t("trajectory.beforeAfterAnyGoal")}</option>
              {goals.map((g) => (
                <option key={g.id} value={g.id}>
                  {g.title}
                </option>
              ))}
            </select>
          </div>
        </div>
        <ErrorMessage error={action.error} />
        <button type="submit" class="primary" disabled={action.busy}>
          {t("trajectory.beforeAfterBuild")}
        </button>
      </form>
    </section>
  );
}
