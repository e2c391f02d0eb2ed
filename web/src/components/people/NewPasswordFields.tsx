import { t } from "../../i18n";

interface Props {
  /** Prefix of the inputs' ids. */
  id: string;
  password: string;
  repeat: string;
  onPassword: (value: string) => void;
  onRepeat: (value: string) => void;
  /** The two differ and the person tried to go on: said at the second field. */
  showMismatch: boolean;
}

/** A new password, typed twice, with the rules it must meet said beforehand. */
export function NewPasswordFields({ id, password, repeat, onPassword, onRepeat, showMismatch }: Props) {
  const mismatch = showMismatch && password !== repeat;
  return (
    <>
      <div class="field">
        <label for={`${id}-new`}>{t("account.newPassword")}</label>
        <input
          id={`${id}-new`}
          type="password"
          autocomplete="new-password"
          required
          maxLength={1000}
          aria-describedby={`${id}-rules`}
          value={password}
          onInput={(e) => onPassword(e.currentTarget.value)}
        />
        <p class="hint" id={`${id}-rules`}>
          {t("account.passwordRules")}
        </p>
      </div>
      <div class="field">
        <label for={`${id}-repeat`}>{t("account.repeatPassword")}</label>
        <input
          id={`${id}-repeat`}
          type="password"
          autocomplete="new-password"
          required
          aria-invalid={mismatch || undefined}
          aria-describedby={mismatch ? `${id}-mismatch` : undefined}
          value={repeat}
          onInput={(e) => onRepeat(e.currentTarget.value)}
        />
        {mismatch && (
          <p class="field-error" id={`${id}-mismatch`}>
            {t("account.passwordsDiffer")}
          </p>
        )}
      </div>
    </>
  );
}
