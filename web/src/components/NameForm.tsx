import { useState } from "preact/hooks";
import { useAction } from "../hooks";
import { ErrorMessage } from "./ErrorMessage";

interface Props {
  /** The input's id; the hint's is derived from it. */
  id: string;
  label: string;
  hint: string;
  maxLength: number;
  submit: string;
  /** The button's text while the request runs (else `submit`). */
  busy?: string;
  heading?: string;
  class?: string;
  /** Makes the thing named and moves on to it (the form stays busy meanwhile). */
  onName: (name: string) => Promise<void>;
}

/** One name to give something new (a case, a playlist), then on to what was made. */
export function NameForm(props: Props) {
  const [name, setName] = useState("");
  const action = useAction();
  const headingId = `${props.id}-heading`;
  const hintId = `${props.id}-hint`;

  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(() => props.onName(name.trim()), false);
  };

  return (
    <form
      class={props.class ?? "stack"}
      onSubmit={submit}
      aria-labelledby={props.heading ? headingId : undefined}
    >
      {props.heading && <h2 id={headingId}>{props.heading}</h2>}
      <div class="field">
        <label for={props.id}>{props.label}</label>
        <input
          id={props.id}
          required
          maxLength={props.maxLength}
          autocomplete="off"
          aria-describedby={hintId}
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <p class="hint" id={hintId}>
          {props.hint}
        </p>
      </div>
      <ErrorMessage error={action.error} />
      <button type="submit" class="primary" disabled={action.busy}>
        {action.busy && props.busy ? props.busy : props.submit}
      </button>
    </form>
  );
}
