import { useState } from "preact/hooks";
import { trajectoryEdit } from "../../api/endpoints";
import type { CasePerson, PersonRole } from "../../api/types";
import { useAction } from "../../hooks";
import { t } from "../../i18n";
import { ErrorMessage } from "../ErrorMessage";
import { useLeaveWarning } from "../people/useLeaveWarning";
import { ConfirmButton } from "../playlist/ConfirmButton";
import { personName } from "./words";

export const PERSON_ROLES: readonly PersonRole[] = ["mother", "father", "partner", "caregiver", "baby", "sibling"];

interface Props {
  caseId: string;
  people: CasePerson[];
  canEdit: boolean;
  onChanged: () => Promise<void>;
}

/** Who is in the family's recordings: a role each, and a label where two share one. */
export function PeoplePanel({ caseId, people, canEdit, onChanged }: Props) {
  const [editing, setEditing] = useState<string | null>(null);
  const action = useAction();
  return (
    <section aria-labelledby="people-title" class="stack">
      <h2 id="people-title">{t("trajectory.people")}</h2>
      <p class="hint">{t("trajectory.peopleHint")}</p>
      <ErrorMessage error={action.error} />
      {people.length === 0 ? (
        <p class="muted">{t("trajectory.noPeople")}</p>
      ) : (
        <ul class="cards person-list">
          {people.map((person) => (
            <li key={person.id} class="card" data-person-id={person.id}>
              {editing === person.id ? (
                <PersonForm
                  id={`person-${person.id}`}
                  initial={person}
                  submit={t("trajectory.personSave")}
                  onCancel={() => setEditing(null)}
                  onSave={async (role, label) => {
                    await trajectoryEdit.changePerson(person.id, { role, label });
                    setEditing(null);
                    await onChanged();
                  }}
                />
              ) : (
                <div class="title-row">
                  <span class="card-title">{personName(person)}</span>
                  {canEdit && (
                    <div class="row">
                      <button
                        type="button"
                        aria-label={t("trajectory.personEditOf", { name: personName(person) })}
                        onClick={() => setEditing(person.id)}
                      >
                        {t("trajectory.personEdit")}
                      </button>
                      <ConfirmButton
                        label={t("trajectory.remove")}
                        ariaLabel={t("trajectory.personRemoveOf", { name: personName(person) })}
                        question={t("trajectory.personRemoveQuestion", { name: personName(person) })}
                        confirmLabel={t("trajectory.personRemoveConfirm")}
                        disabled={action.busy}
                        onConfirm={() =>
                          void action.run(async () => {
                            await trajectoryEdit.removePerson(person.id);
                            await onChanged();
                          })
                        }
                      />
                    </div>
                  )}
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
      {canEdit && (
        <div class="panel stack">
          <h3>{t("trajectory.personNew")}</h3>
          <PersonForm
            id="person-new"
            submit={t("trajectory.personAdd")}
            onSave={async (role, label) => {
              await trajectoryEdit.addPerson(caseId, role, label);
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
  initial?: Pick<CasePerson, "role" | "label">;
  submit: string;
  onSave: (role: PersonRole, label: string) => Promise<void>;
  onCancel?: () => void;
}

function PersonForm({ id, initial, submit, onSave, onCancel }: FormProps) {
  const [role, setRole] = useState<PersonRole>(initial?.role ?? "mother");
  const [label, setLabel] = useState(initial?.label ?? "");
  const action = useAction();
  useLeaveWarning(label !== (initial?.label ?? ""), "trajectory.leaveUnsaved");
  const save = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      await onSave(role, label.trim());
      if (!initial) setLabel("");
    });
  };
  return (
    <form class="stack" onSubmit={save}>
      <div class="row person-fields">
        <div class="field">
          <label for={`${id}-role`}>{t("trajectory.personRole")}</label>
          <select id={`${id}-role`} value={role} onChange={(e) => setRole(e.currentTarget.value as PersonRole)}>
            {PERSON_ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`trajectory.role.${r}`)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for={`${id}-label`}>{t("trajectory.personLabel")}</label>
          <input
            id={`${id}-label`}
            type="text"
            maxLength={80}
            value={label}
            aria-describedby={`${id}-label-hint`}
            onInput={(e) => setLabel(e.currentTarget.value)}
          />
          <p class="hint" id={`${id}-label-hint`}>
            {t("trajectory.personLabelHint")}
          </p>
        </div>
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
