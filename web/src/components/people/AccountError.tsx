import { ApiError } from "../../api/client";
import { t } from "../../i18n";
import { ErrorMessage } from "../ErrorMessage";

/** An account form's failure; a wrong password here is the person's own, not a
 * failed login ("wrong e-mail or password" would point at the wrong thing). */
export function AccountError({ error, id }: { error: unknown; id?: string }) {
  if (error instanceof ApiError && error.code === "bad_credentials") {
    return (
      <p class="error" role="alert" id={id}>
        {t("account.wrongPassword")}
      </p>
    );
  }
  return <ErrorMessage error={error} id={id} />;
}
