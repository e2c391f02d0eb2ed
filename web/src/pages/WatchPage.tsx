import { useEffect, useRef, useState } from "preact/hooks";
import { openShared, ShareRefusal, stillShared } from "../api/shared";
import type { SharedPlaylist } from "../api/types";
import { onThisOrigin } from "../components/playlist/hls";
import { PlaylistPlayer } from "../components/playlist/PlaylistPlayer";
import { formatDate } from "../format";
import { getLang, setLang, t, useLang } from "../i18n";

type View =
  | { state: "loading" }
  | { state: "code"; wrong: boolean }
  | { state: "refused"; refusal: ShareRefusal }
  | { state: "offline" }
  | { state: "watching"; playlist: SharedPlaylist };

/** Seconds fetched ahead: the player keeps asking the server, so revoking a link stops it soon. */
const BUFFER_S = 12;

/** The API's answers that mean "ask for the access code" (again). */
const CODE_ASKED = new Set(["access_code_required", "access_code_wrong"]);

/**
 * What a family sees when they open their link: the playlist and nothing
 * else: no login, no other pages, no download. Expired, revoked or locked
 * links get the API's own friendly sentence, in Dutch or English.
 */
export function WatchPage({ token }: { token: string }) {
  const lang = useLang();
  const [view, setView] = useState<View>({ state: "loading" });

  const open = async (code?: string) => {
    try {
      const playlist = await openShared(token, code);
      setView({ state: "watching", playlist });
      document.title = playlist.title;
    } catch (caught) {
      if (caught instanceof ShareRefusal && CODE_ASKED.has(caught.code)) {
        setView({ state: "code", wrong: caught.code === "access_code_wrong" });
      } else if (caught instanceof ShareRefusal) {
        setView({ state: "refused", refusal: caught });
      } else {
        setView({ state: "offline" });
      }
    }
  };
  useEffect(() => {
    document.title = t("watch.title");
    void open();
  }, [token]);

  // A file of the video refused: if the link was revoked or expired meanwhile,
  // the player goes (and stops) and the page says so.
  const checking = useRef(false);
  const recheck = async (playlist: SharedPlaylist) => {
    if (checking.current) return;
    checking.current = true;
    const refusal = await stillShared(onThisOrigin(playlist.chapters_url));
    checking.current = false;
    if (refusal) setView({ state: "refused", refusal });
  };

  const other = getLang() === "nl" ? "en" : "nl";
  return (
    <main id="main" class="watch stack-lg">
      <div class="title-row">
        <h1>{view.state === "watching" ? view.playlist.title : t("watch.title")}</h1>
        <button type="button" class="link-button" lang={other} onClick={() => setLang(other)}>
          {t("header.switchLanguage")}
        </button>
      </div>
      {view.state === "loading" && <p class="muted">{t("app.loading")}</p>}
      {view.state === "code" && <CodeForm wrong={view.wrong} onCode={(code) => void open(code)} />}
      {view.state === "refused" && (
        <p class="notice" role="alert">
          {lang === "nl" ? view.refusal.detailNl : view.refusal.detail}
        </p>
      )}
      {view.state === "offline" && (
        <>
          <p class="error" role="alert">
            {t("error.network")}
          </p>
          <button type="button" onClick={() => void open()}>
            {t("app.retry")}
          </button>
        </>
      )}
      {view.state === "watching" && (
        <>
          <PlaylistPlayer
            src={view.playlist.hls_url}
            label={t("watch.player", { title: view.playlist.title })}
            bufferS={BUFFER_S}
            onRefused={() => void recheck(view.playlist)}
          />
          <p class="hint">{t("watch.until", { date: formatDate(view.playlist.expires_at) })}</p>
        </>
      )}
    </main>
  );
}

function CodeForm({ wrong, onCode }: { wrong: boolean; onCode: (code: string) => void }) {
  const [code, setCode] = useState("");
  const [missing, setMissing] = useState(false);
  const problem = missing ? "access-code-missing" : wrong ? "access-code-wrong" : undefined;
  return (
    <form
      class="stack narrow"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        const digits = code.replace(/\s+/g, "");
        setMissing(!/^[0-9]{6}$/.test(digits));
        if (/^[0-9]{6}$/.test(digits)) onCode(digits);
      }}
    >
      <p>{t("watch.codeAsk")}</p>
      <div class="field">
        <label for="access-code">{t("watch.code")}</label>
        <input
          id="access-code"
          class="code-value"
          type="text"
          inputMode="numeric"
          autocomplete="one-time-code"
          maxLength={7}
          aria-describedby={problem}
          aria-invalid={problem ? true : undefined}
          value={code}
          onInput={(e) => setCode(e.currentTarget.value)}
        />
      </div>
      {missing && (
        <p class="error" role="alert" id="access-code-missing">
          {t("watch.codeMissing")}
        </p>
      )}
      {wrong && !missing && (
        <p class="error" role="alert" id="access-code-wrong">
          {t("watch.codeWrong")}
        </p>
      )}
      <button type="submit" class="primary">
        {t("watch.show")}
      </button>
    </form>
  );
}
