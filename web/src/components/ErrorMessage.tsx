import { describeError } from "../errors";

/** An error, worded at render time so a language switch re-words it. */
export function ErrorMessage({ error, id }: { error: unknown; id?: string }) {
  if (!error) return null;
  return (
    <p class="error" role="alert" id={id}>
      {describeError(error)}
    </p>
  );
}
