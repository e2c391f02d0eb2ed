import { cases, trajectory, trajectoryEdit } from "../api/endpoints";
import type { Me } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { PageTitle } from "../components/PageTitle";
import { CaseStatusBadge } from "../components/StatusBadge";
import { BeforeAfterForm } from "../components/trajectory/BeforeAfterForm";
import { GoalsPanel } from "../components/trajectory/GoalsPanel";
import { PeoplePanel } from "../components/trajectory/PeoplePanel";
import { ProgressPanel } from "../components/trajectory/ProgressPanel";
import { ReportForm } from "../components/trajectory/ReportForm";
import { VisitsPanel } from "../components/trajectory/VisitsPanel";
import { useLoad } from "../hooks";
import { t } from "../i18n";
import { Link, paths } from "../router";

/**
 * A case's trajectory as a whole: the goals agreed with the parents, the home
 * visits with what was filmed and shown there, the people in the recordings,
 * how the interaction goes over the visits, a before/after playlist and the
 * report for the family's file. The professionals working with the family
 * change it; a supervisor reads along and sees no controls to change it.
 */
export function TrajectoryPage({ caseId, me }: { caseId: string; me: Me }) {
  const theCase = useLoad(() => cases.get(caseId), caseId);
  const goals = useLoad(() => trajectory.goals(caseId), caseId);
  const visits = useLoad(() => trajectory.visits(caseId), caseId);
  const people = useLoad(() => trajectory.people(caseId), caseId);
  const clips = useLoad(() => cases.clips(caseId), caseId);
  const playlists = useLoad(() => cases.playlists(caseId), caseId);
  const progress = useLoad(() => trajectoryEdit.progress(caseId), caseId);

  if (theCase.error) return <ErrorMessage error={theCase.error} />;
  const current = theCase.data;
  if (!current) return <p class="muted">{t("app.loading")}</p>;
  const open = current.status === "open";
  const canEdit = open && me.role === "professional";

  const goalsChanged = async () => {
    await Promise.all([goals.reload(), progress.reload()]);
  };
  const visitsChanged = async () => {
    await Promise.all([visits.reload(), clips.reload(), progress.reload()]);
  };

  return (
    <section class="stack-lg trajectory">
      <p class="breadcrumb">
        <Link href={paths.case(caseId)}>{t("trajectory.back")}</Link>
      </p>
      <div>
        <div class="title-with-badge">
          <PageTitle>{t("trajectory.title", { label: current.label })}</PageTitle>
          <CaseStatusBadge status={current.status} />
        </div>
        {!canEdit && (
          <p class="muted read-only-note">
            {open ? t("trajectory.readOnly") : t("trajectory.closed")}
          </p>
        )}
      </div>

      <ErrorMessage error={goals.error} />
      {goals.data && (
        <GoalsPanel caseId={caseId} goals={goals.data.goals} canEdit={canEdit} onChanged={goalsChanged} />
      )}

      <ErrorMessage error={visits.error ?? clips.error ?? playlists.error} />
      {visits.data && clips.data && playlists.data && (
        <VisitsPanel
          caseId={caseId}
          visits={visits.data.visits}
          clips={clips.data}
          playlists={playlists.data}
          canEdit={canEdit}
          onChanged={visitsChanged}
        />
      )}

      <ErrorMessage error={progress.error} />
      {progress.data && <ProgressPanel caseId={caseId} progress={progress.data} />}

      {open && visits.data && goals.data && (
        <BeforeAfterForm
          key={visits.data.visits.map((v) => v.id).join()}
          caseId={caseId}
          visits={visits.data.visits}
          goals={goals.data.goals}
        />
      )}

      <ReportForm caseId={caseId} />

      <ErrorMessage error={people.error} />
      {people.data && (
        <PeoplePanel caseId={caseId} people={people.data.people} canEdit={canEdit} onChanged={people.reload} />
      )}
    </section>
  );
}
