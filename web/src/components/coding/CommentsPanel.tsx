import { useState } from "preact/hooks";
import { supervision } from "../../api/endpoints";
import type { Thread } from "../../api/types";
import { formatDateTime } from "../../format";
import { useLoad } from "../../hooks";
import { t } from "../../i18n";
import { ErrorMessage } from "../ErrorMessage";
import { formatSpan } from "./clock";

interface Props {
  clipId: string;
  setId: string;
  /** The player's current time: where a new comment is anchored. */
  timeMs: number;
  onSeek: (ms: number) => void;
}

/** The clip's comment threads in clip order: read, reply, resolve, and start one at the current time. */
export function CommentsPanel({ clipId, setId, timeMs, onSeek }: Props) {
  const threads = useLoad(() => supervision.threads(clipId), clipId);
  const replace = (changed: Thread) => {
    const list = threads.data ?? [];
    const known = list.some((th) => th.id === changed.id);
    const next = known ? list.map((th) => (th.id === changed.id ? changed : th)) : [...list, changed];
    threads.set(next.sort((a, b) => (a.start_ms ?? 0) - (b.start_ms ?? 0)));
  };
  return (
    <section class="panel stack" aria-labelledby="comments-title">
      <h2 id="comments-title">{t("comments.title")}</h2>
      <NewThreadForm clipId={clipId} setId={setId} timeMs={timeMs} onStarted={replace} />
      <ErrorMessage error={threads.error} />
      {threads.data?.length === 0 && <p class="muted">{t("comments.none")}</p>}
      <ul class="threads">
        {threads.data?.map((thread) => (
          <ThreadView key={thread.id} thread={thread} onSeek={onSeek} onChanged={replace} />
        ))}
      </ul>
    </section>
  );
}

interface NewThreadProps {
  clipId: string;
  setId: string;
  timeMs: number;
  onStarted: (thread: Thread) => void;
}

/**
 * A new thread at the current time; or, once a start is pinned, over the
 * range from there to the current time (play or step to its end).
 */
function NewThreadForm({ clipId, setId, timeMs, onStarted }: NewThreadProps) {
  const [body, setBody] = useState("");
  const [pinned, setPinned] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const ranged = pinned !== null && timeMs > pinned;
  const start = pinned ?? timeMs;
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const started = await supervision.startThread(clipId, {
        body: body.trim(), start_ms: start, set_id: setId, ...(ranged ? { end_ms: timeMs } : {}),
      });
      onStarted(started);
      setBody("");
      setPinned(null);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="stack" onSubmit={submit}>
      <div class="field">
        <label for="new-comment">
          {t("comments.newAt", { time: formatSpan(start, ranged ? timeMs : null) })}
        </label>
        <textarea id="new-comment" rows={2} required value={body} onInput={(e) => setBody(e.currentTarget.value)} />
      </div>
      <div class="row">
        <button type="submit" disabled={busy || !body.trim()}>
          {t("comments.add")}
        </button>
        {pinned === null ? (
          <button type="button" onClick={() => setPinned(timeMs)}>
            {t("comments.pinStart")}
          </button>
        ) : (
          <button type="button" onClick={() => setPinned(null)}>
            {t("comments.unpin")}
          </button>
        )}
      </div>
      <ErrorMessage error={error} />
    </form>
  );
}

function ThreadView({ thread, onSeek, onChanged }: { thread: Thread; onSeek: (ms: number) => void; onChanged: (t: Thread) => void }) {
  const [reply, setReply] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const act = async (change: () => Promise<Thread>) => {
    setBusy(true);
    setError(null);
    try {
      onChanged(await change());
      setReply("");
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const replyId = `reply-${thread.id}`;
  return (
    <li class={`thread${thread.resolved ? " resolved" : ""}`} data-thread-id={thread.id}>
      <p class="row">
        {thread.start_ms != null && (
          <button type="button" class="link-button" onClick={() => onSeek(thread.start_ms ?? 0)}>
            {formatSpan(thread.start_ms, thread.end_ms)}
          </button>
        )}
        {thread.resolved && <span class="badge badge-neutral">{t("comments.resolved")}</span>}
      </p>
      <Entry author={thread.author} at={thread.created_at} body={thread.body} />
      {thread.replies.map((r) => (
        <Entry key={r.id} author={r.author} at={r.created_at} body={r.body} />
      ))}
      <form
        class="stack"
        onSubmit={(e) => {
          e.preventDefault();
          void act(() => supervision.reply(thread.id, reply.trim()));
        }}
      >
        <label class="visually-hidden" for={replyId}>
          {t("comments.reply")}
        </label>
        <textarea id={replyId} rows={1} value={reply} placeholder={t("comments.reply")} onInput={(e) => setReply(e.currentTarget.value)} />
        <div class="row">
          <button type="submit" disabled={busy || !reply.trim()}>
            {t("comments.send")}
          </button>
          <button type="button" disabled={busy} onClick={() => void act(() => supervision.resolve(thread.id, !thread.resolved))}>
            {thread.resolved ? t("comments.reopen") : t("comments.resolve")}
          </button>
        </div>
      </form>
      <ErrorMessage error={error} />
    </li>
  );
}

function Entry({ author, at, body }: { author: string; at: string; body: string }) {
  return (
    <div class="comment">
      <p class="hint">
        {author}, {formatDateTime(at)}
      </p>
      <p class="comment-body">{body}</p>
    </div>
  );
}
