import { useState } from "preact/hooks";
import { ApiError } from "../../api/client";
import { playlists } from "../../api/endpoints";
import type { PlaylistDetail, ShareCreated, ShareState } from "../../api/types";
import { formatDate } from "../../format";
import { useLoad } from "../../hooks";
import { t } from "../../i18n";
import { Link, paths } from "../../router";
import { ErrorMessage } from "../ErrorMessage";
import { CopyField } from "../CopyField";
import { ConfirmButton } from "./ConfirmButton";

/** The API's limit on a link's life (services/review/shares.py). */
const MAX_DAYS = 90;

const STATE_TONES: Record<ShareState, string> = {
  active: "good", expired: "neutral", revoked: "neutral", locked: "bad",
};

/**
 * Family links: make one (shown once, with the access code apart from it),
 * see who watched, and switch a link off at once (after a confirmation: a
 * family that is watching right now is stopped too).
 */
export function SharePanel({ playlist }: { playlist: PlaylistDetail }) {
  const list = useLoad(() => playlists.shares(playlist.id), playlist.id);
  const [days, setDays] = useState("14");
  const [withCode, setWithCode] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [made, setMade] = useState<ShareCreated | null>(null);

  const act = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
      await list.reload();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const daysWrong = !/^\s*\d+\s*$/.test(days) || Number(days) < 1 || Number(days) > MAX_DAYS;
  const [daysShown, setDaysShown] = useState(false);
  const create = (event: Event) => {
    event.preventDefault();
    setDaysShown(daysWrong);
    if (daysWrong) return;
    void act(async () => setMade(await playlists.share(playlist.id, Number(days), withCode)));
  };
  const noConsent = error instanceof ApiError && error.code === "no_consent_feedback";

  return (
    <section aria-labelledby="share-title" class="panel stack">
      <h2 id="share-title">{t("share.title")}</h2>
      {made && <NewLink share={made} onDone={() => setMade(null)} />}
      <form class="stack" noValidate onSubmit={create}>
        <div class="item-grid">
          <div class="field">
            <label for="share-days">{t("share.days")}</label>
            <input
              id="share-days"
              type="text"
              inputMode="numeric"
              autoComplete="off"
              aria-invalid={daysShown || undefined}
              aria-describedby={daysShown ? "share-days-error" : undefined}
              value={days}
              onInput={(e) => setDays(e.currentTarget.value)}
            />
            {daysShown && (
              <p class="error field-error" id="share-days-error">
                {t("share.errorDays")}
              </p>
            )}
          </div>
        </div>
        <div class="check">
          <input
            type="checkbox"
            id="share-code"
            checked={withCode}
            onChange={(e) => setWithCode(e.currentTarget.checked)}
          />
          <label for="share-code">{t("share.withCode")}</label>
        </div>
        <ErrorMessage error={error} />
        {noConsent && (
          <p>
            <Link href={paths.case(playlist.case_id)}>{t("share.toConsent")}</Link>
          </p>
        )}
        <button type="submit" class="primary" disabled={busy || playlist.rendered_revision === null}>
          {t("share.create")}
        </button>
        {playlist.rendered_revision === null && <p class="hint">{t("share.renderFirst")}</p>}
      </form>
      <ErrorMessage error={list.error} />
      {list.data && list.data.length > 0 && (
        <ul class="cards">
          {list.data.map((share) => (
            <li key={share.id} class="card share" data-share-id={share.id} data-state={share.state}>
              <span class="card-meta">
                <span class={`badge badge-${STATE_TONES[share.state]}`}>
                  {t(`shareState.${share.state}`)}
                </span>
                <span>{t("share.views", { count: share.views })}</span>
                <span>{t("share.expires", { date: formatDate(share.expires_at) })}</span>
                {share.has_access_code && <span>{t("share.hasCode")}</span>}
              </span>
              {share.state === "active" && (
                <ConfirmButton
                  label={t("share.revoke")}
                  question={t("share.revokeConfirm")}
                  confirmLabel={t("share.revokeYes")}
                  danger
                  disabled={busy}
                  onConfirm={() => void act(() => playlists.revokeShare(share.id))}
                />
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** The link and code, this once; the code is to be given by another way than the link. */
function NewLink({ share, onDone }: { share: ShareCreated; onDone: () => void }) {
  return (
    <div class="new-link stack" role="region" aria-label={t("share.newTitle")}>
      <h3>{t("share.newTitle")}</h3>
      <p>{t("share.onlyOnce")}</p>
      <CopyField id="share-url" label={t("share.link")} value={share.url} />
      {share.access_code && (
        <>
          <CopyField id="share-code-value" label={t("share.code")} value={share.access_code} large />
          <p class="warning">{t("share.codeApart")}</p>
        </>
      )}
      <button type="button" onClick={onDone}>
        {t("share.done")}
      </button>
    </div>
  );
}
