import { useEffect, useRef, useState } from "preact/hooks";
import { account } from "../../api/endpoints";
import type { Me, TotpEnrolment } from "../../api/types";
import { useAction } from "../../hooks";
import { t } from "../../i18n";
import { AccountError } from "./AccountError";
import { RecoveryCodeList } from "./RecoveryCodeList";
import { useLeaveWarning } from "./useLeaveWarning";

type Step =
  | { kind: "idle" }
  | { kind: "enrolling"; enrolment: TotpEnrolment }
  /** `then`: ask who is logged in again once the codes are put away (two-factor went on). */
  | { kind: "codes"; codes: string[]; then: boolean }
  | { kind: "password"; purpose: "off" | "codes" };

/** The API's QR code as a picture of its own (an <img> with a text alternative):
 * an SVG file needs its namespace, and a viewBox to be drawn larger. */
export function qrImage(svg: string): string {
  let file = svg.includes("xmlns=") ? svg : svg.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"');
  const size = /^<svg[^>]*\swidth="(\d+)"[^>]*\sheight="(\d+)"/.exec(file);
  if (size && !file.includes("viewBox")) {
    file = file.replace("<svg", `<svg viewBox="0 0 ${size[1]} ${size[2]}"`);
  }
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(file)}`;
}

/** "ABCD EFGH …": easier to type into an app than one long run of letters. */
const grouped = (secret: string) => secret.match(/.{1,4}/g)?.join(" ") ?? secret;

/**
 * Two-factor sign-in: turn it on (scan or type the secret, prove it with a
 * code, keep the recovery codes), turn it off, or get new recovery codes.
 */
export function TwoFactorPanel({ me, onChanged }: { me: Me; onChanged: () => Promise<void> }) {
  const [step, setStep] = useState<Step>({ kind: "idle" });
  const action = useAction();
  const idle = () => setStep({ kind: "idle" });

  const start = () =>
    void action.run(async () => setStep({ kind: "enrolling", enrolment: await account.startTotp() }));

  return (
    <section class="panel stack" aria-labelledby="totp-title">
      <h2 id="totp-title">{t("account.totpTitle")}</h2>
      {step.kind === "codes" ? (
        <RecoveryCodeList
          codes={step.codes}
          onSaved={() => {
            idle();
            if (step.then) void onChanged();
          }}
        />
      ) : step.kind === "enrolling" ? (
        <Enrol
          enrolment={step.enrolment}
          onCancel={idle}
          onDone={(codes) => setStep({ kind: "codes", codes, then: true })}
        />
      ) : step.kind === "password" ? (
        <PasswordStep
          purpose={step.purpose}
          onCancel={idle}
          onOff={() => {
            idle();
            void onChanged();
          }}
          onCodes={(codes) => setStep({ kind: "codes", codes, then: false })}
        />
      ) : me.totp ? (
        <>
          <p>{t("account.totpOn")}</p>
          {me.totp_required && <p class="hint">{t("account.totpRequired")}</p>}
          <div class="row">
            <button type="button" onClick={() => setStep({ kind: "password", purpose: "codes" })}>
              {t("account.newCodes")}
            </button>
            {!me.totp_required && (
              <button type="button" onClick={() => setStep({ kind: "password", purpose: "off" })}>
                {t("account.totpTurnOff")}
              </button>
            )}
          </div>
        </>
      ) : (
        <>
          <p>{t("account.totpOff")}</p>
          <p class="hint">{t("account.totpWhat")}</p>
          <AccountError error={action.error} />
          <button type="button" class="primary" disabled={action.busy} onClick={start}>
            {t("account.totpTurnOn")}
          </button>
        </>
      )}
    </section>
  );
}

function Enrol({ enrolment, onCancel, onDone }: {
  enrolment: TotpEnrolment;
  onCancel: () => void;
  onDone: (codes: string[]) => void;
}) {
  const [code, setCode] = useState("");
  const [password, setPassword] = useState("");
  const action = useAction();
  const first = useRef<HTMLParagraphElement>(null);
  useEffect(() => first.current?.focus(), []);
  useLeaveWarning(code !== "" || password !== "");

  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      const { recovery_codes } = await account.confirmTotp(enrolment.enrolment, code.replace(/\s/g, ""), password);
      onDone(recovery_codes);
    }, false);
  };
  const qr = qrImage(enrolment.qr_svg);
  return (
    <form class="stack" onSubmit={submit} aria-describedby={action.error ? "totp-error" : undefined}>
      <p ref={first} tabIndex={-1}>
        {t("account.totpScan")}
      </p>
      <img class="qr" src={qr} width={200} height={200} alt={t("account.totpQrAlt")} />
      <p>{t("account.totpType")}</p>
      <p>
        <code class="totp-secret" data-secret={enrolment.secret}>
          {grouped(enrolment.secret)}
        </code>
      </p>
      <div class="field">
        <label for="totp-code">{t("account.totpCode")}</label>
        <input
          id="totp-code"
          type="text"
          inputMode="numeric"
          autocomplete="one-time-code"
          pattern="[0-9 ]*"
          maxLength={8}
          required
          aria-describedby="totp-code-hint"
          value={code}
          onInput={(e) => setCode(e.currentTarget.value)}
        />
        <p class="hint" id="totp-code-hint">
          {t("account.totpCodeHint")}
        </p>
      </div>
      <div class="field">
        <label for="totp-enrol-password">{t("account.totpPassword")}</label>
        <input
          id="totp-enrol-password"
          type="password"
          autocomplete="current-password"
          aria-describedby="totp-enrol-password-hint"
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
        <p class="hint" id="totp-enrol-password-hint">
          {t("account.totpPasswordHint")}
        </p>
      </div>
      <AccountError error={action.error} id="totp-error" />
      <div class="row">
        <button type="submit" class="primary" disabled={action.busy}>
          {t("account.totpConfirm")}
        </button>
        <button type="button" onClick={onCancel}>
          {t("app.cancel")}
        </button>
      </div>
    </form>
  );
}

/** Turning off, or new recovery codes: both ask for the password first. */
function PasswordStep({ purpose, onCancel, onOff, onCodes }: {
  purpose: "off" | "codes";
  onCancel: () => void;
  onOff: () => void;
  onCodes: (codes: string[]) => void;
}) {
  const [password, setPassword] = useState("");
  const action = useAction();
  const field = useRef<HTMLInputElement>(null);
  useEffect(() => field.current?.focus(), []);

  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      if (purpose === "off") {
        await account.stopTotp(password);
        onOff();
      } else {
        onCodes((await account.newRecoveryCodes(password)).recovery_codes);
      }
    }, false);
  };
  return (
    <form
      class="stack"
      onSubmit={submit}
      onKeyDown={(event) => event.key === "Escape" && onCancel()}
      aria-describedby={action.error ? "totp-password-error" : undefined}
    >
      <p id="totp-password-what">{purpose === "off" ? t("account.totpOffWhat") : t("account.newCodesWhat")}</p>
      <div class="field">
        <label for="totp-password">{t("account.currentPassword")}</label>
        <input
          id="totp-password"
          ref={field}
          type="password"
          autocomplete="current-password"
          required
          aria-describedby="totp-password-what"
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
      </div>
      <AccountError error={action.error} id="totp-password-error" />
      <div class="row">
        <button type="submit" class={purpose === "off" ? "danger" : "primary"} disabled={action.busy}>
          {purpose === "off" ? t("account.totpTurnOff") : t("account.newCodes")}
        </button>
        <button type="button" onClick={onCancel}>
          {t("app.cancel")}
        </button>
      </div>
    </form>
  );
}
