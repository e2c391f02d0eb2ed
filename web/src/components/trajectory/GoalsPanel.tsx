import { useEffect, useState } from "preact/hooks";
import { trajectoryEdit } from "../../api/endpoints";
import type { Goal, GoalStatus } from "../../api/types";
import { formatDate } from "../../format";
import { useAction } from "../../hooks";
import { t } from "../../i18n";
import { ErrorMessage } from "../ErrorMessage";
import { useLeaveWarning } from "../people/useLeaveWarning";
import { ConfirmButton } from "../playlist/ConfirmButton";

export const GOAL_STATUSES: readonly GoalStatus[] = ["open", "working", "reached"];

interface Props {
  caseId: string;
  goals: Goal[];
  canEdit: boolean;
  /** After any change: the list (and what is counted per goal) is read again. */
  onChanged: () => Promise<void>;
}

/**
 * The work points agreed with the parents, in their order: status with its
 * dates, what is linked to each, and (for the professional) new goals, new
 * wording, another order by keyboard or mouse, and removal after a question.
 */
export function GoalsPanel({ caseId, goals, canEdit, onChanged }: Props) {
  const action = useAction();
  const [editing, setEditing] = useState<string | null>(null);
  const [moved, setMoved] = useState<{ id: string; dir: "up" | "down" } | null>(null);

  // After a move (once the buttons work again) the focus stays on the moved goal's
  // button, or on its other one at an end of the list.
  useEffect(() => {
    if (!moved || action.busy) return;
    const button = document.getElementById(`goal-${moved.id}-${moved.dir}`) as HTMLButtonElement | null;
    const other = document.getElementById(`goal-${moved.id}-${moved.dir === "up" ? "down" : "up"}`);
    (button && !button.disabled ? button : other)?.focus();
    setMoved(null);
  }, [goals, action.busy]);

  const change = (goal: Goal, changes: Parameters<typeof trajectoryEdit.changeGoal>[1]) =>
    action.run(async () => {
      await trajectoryEdit.changeGoal(goal.id, changes);
      await onChanged();
    });

  const move = (goal: Goal, index: number, dir: "up" | "down") =>
    action.run(async () => {
      await trajectoryEdit.changeGoal(goal.id, { position: index + (dir === "up" ? -1 : 1) });
      setMoved({ id: goal.id, dir });
      await onChanged();
    });

  return (
    <section aria-labelledby="goals-title" class="stack">
      <h2 id="goals-title">{t("trajectory.goals")}</h2>
      <ErrorMessage error={action.error} />
      {goals.length === 0 ? (
        <p class="muted">{t("trajectory.noGoals")}</p>
      ) : (
        <ol class="cards goal-list">
          {goals.map((goal, index) => (
            <li key={goal.id} class="card" data-goal-id={goal.id} data-status={goal.status}>
              {editing === goal.id ? (
                <GoalForm
                  id={`goal-edit-${goal.id}`}
                  initial={goal}
                  submit={t("trajectory.goalSave")}
                  onCancel={() => setEditing(null)}
                  onSave={async (title, description) => {
                    await trajectoryEdit.changeGoal(goal.id, { title, description });
                    setEditing(null);
                    await onChanged();
                  }}
                />
              ) : (
                <>
                  <h3 class="goal-title">{goal.title}</h3>
                  {goal.description && <p class="goal-description">{goal.description}</p>}
                  <p class="card-meta">
                    {!canEdit && <span class={`badge goal-${goal.status}`}>{t(`trajectory.status.${goal.status}`)}</span>}
                    <span>{t("trajectory.goalAdded", { date: formatDate(goal.created_at) })}</span>
                    {goal.started_at && <span>{t("trajectory.goalStarted", { date: formatDate(goal.started_at) })}</span>}
                    {goal.reached_at && <span>{t("trajectory.goalReached", { date: formatDate(goal.reached_at) })}</span>}
                    <span class="goal-counts">{t("trajectory.goalLinks", { moments: goal.moments, items: goal.items })}</span>
                  </p>
                  {canEdit && (
                    <div class="row goal-tools">
                      <div class="inline-field">
                        <label for={`goal-status-${goal.id}`}>{t("trajectory.goalStatus")}</label>
                        <select
                          id={`goal-status-${goal.id}`}
                          value={goal.status}
                          disabled={action.busy}
                          aria-label={t("trajectory.goalStatusOf", { title: goal.title })}
                          onChange={(e) => void change(goal, { status: e.currentTarget.value as GoalStatus })}
                        >
                          {GOAL_STATUSES.map((s) => (
                            <option key={s} value={s}>
                              {t(`trajectory.status.${s}`)}
                            </option>
                          ))}
                        </select>
                      </div>
                      <button
                        type="button"
                        id={`goal-${goal.id}-up`}
                        disabled={action.busy || index === 0}
                        aria-label={t("trajectory.goalUp", { title: goal.title })}
                        onClick={() => void move(goal, index, "up")}
                      >
                        ↑ {t("trajectory.up")}
                      </button>
                      <button
                        type="button"
                        id={`goal-${goal.id}-down`}
                        disabled={action.busy || index === goals.length - 1}
                        aria-label={t("trajectory.goalDown", { title: goal.title })}
                        onClick={() => void move(goal, index, "down")}
                      >
                        ↓ {t("trajectory.down")}
                      </button>
                      <button
                        type="button"
                        aria-label={t("trajectory.goalEditOf", { title: goal.title })}
                        onClick={() => setEditing(goal.id)}
                      >
                        {t("trajectory.goalEdit")}
                      </button>
                      <ConfirmButton
                        label={t("trajectory.remove")}
                        ariaLabel={t("trajectory.goalRemoveOf", { title: goal.title })}
                        question={t("trajectory.goalRemoveQuestion", { title: goal.title, moments: goal.moments, items: goal.items })}
                        confirmLabel={t("trajectory.goalRemoveConfirm")}
                        disabled={action.busy}
                        onConfirm={() =>
                          void action.run(async () => {
                            await trajectoryEdit.removeGoal(goal.id);
                            await onChanged();
                          })
                        }
                      />
                    </div>
                  )}
                </>
              )}
            </li>
          ))}
        </ol>
      )}
      {canEdit && (
        <div class="panel stack">
          <h3>{t("trajectory.goalNew")}</h3>
          <GoalForm
            id="goal-new"
            submit={t("trajectory.goalAdd")}
            onSave={async (title, description) => {
              await trajectoryEdit.addGoal(caseId, title, description);
              await onChanged();
            }}
          />
        </div>
      )}
    </section>
  );
}

interface FormProps {
  id: string;
  initial?: Pick<Goal, "title" | "description">;
  submit: string;
  onSave: (title: string, description: string) => Promise<void>;
  onCancel?: () => void;
}

/** A goal's title and description; leaving with unsaved words asks first. */
function GoalForm({ id, initial, submit, onSave, onCancel }: FormProps) {
  const [title, setTitle] = useState(initial?.title ?? "");
  const [description, setDescription] = useState(initial?.description ?? "");
  const [missing, setMissing] = useState(false);
  const action = useAction();
  const dirty = title !== (initial?.title ?? "") || description !== (initial?.description ?? "");
  useLeaveWarning(dirty, "trajectory.leaveUnsaved");

  const save = (event: Event) => {
    event.preventDefault();
    if (!title.trim()) {
      setMissing(true);
      document.getElementById(`${id}-title`)?.focus();
      return;
    }
    setMissing(false);
    void action.run(async () => {
      await onSave(title.trim(), description.trim());
      if (!initial) {
        setTitle("");
        setDescription("");
      }
    });
  };

  return (
    <form class="stack goal-form" onSubmit={save} noValidate>
      <div class="field">
        <label for={`${id}-title`}>{t("trajectory.goalTitle")}</label>
        <input
          id={`${id}-title`}
          type="text"
          maxLength={200}
          value={title}
          aria-invalid={missing}
          aria-describedby={missing ? `${id}-missing` : `${id}-hint`}
          onInput={(e) => setTitle(e.currentTarget.value)}
        />
        {missing ? (
          <p class="error field-error" id={`${id}-missing`}>
            {t("trajectory.goalTitleMissing")}
          </p>
        ) : (
          <p class="hint" id={`${id}-hint`}>
            {t("trajectory.goalTitleHint")}
          </p>
        )}
      </div>
      <div class="field">
        <label for={`${id}-description`}>{t("trajectory.goalDescription")}</label>
        <textarea
          id={`${id}-description`}
          rows={3}
          maxLength={10000}
          value={description}
          onInput={(e) => setDescription(e.currentTarget.value)}
        />
      </div>
      <ErrorMessage error={action.error} />
      <div class="row">
        <button type="submit" class="primary" disabled={action.busy}>
          {submit}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel}>
            {t("app.cancel")}
          </button>
        )}
      </div>
    </form>
  );
}
