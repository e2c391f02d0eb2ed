// Agreement between two coders in words a supervisor reads without statistics:
// the Landis & Koch band of Cohen's kappa, and how often the two agreed.

import type { KappaReport } from "../../api/types";
import { locale, t, type MessageKey } from "../../i18n";

/** The server's Landis & Koch (1977) band ("almost perfect") as a message key part. */
function bandKey(band: string): string {
  return band.replace(/ /g, "_");
}

/** 0.781 -> "0,78" (two decimals, as kappa is reported). */
export function formatKappa(kappa: number): string {
  return new Intl.NumberFormat(locale(), {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  }).format(kappa);
}

/** "Goed overeenkomend (κ 0,78)". */
export function kappaInWords(kappa: number, band: string): string {
  return t("agreement.bandWithKappa", {
    band: t(`agreement.band.${bandKey(band)}` as MessageKey),
    kappa: formatKappa(kappa),
  });
}

/** What the band means for the coding, in a sentence. */
export function kappaMeaning(band: string): string {
  return t(`agreement.meaning.${bandKey(band)}` as MessageKey);
}

/** Why a code has no kappa, in words; null when it has one. */
export function whyNoKappa(kappa: KappaReport): string | null {
  return kappa.undefined_reason ? t(`agreement.undefined.${kappa.undefined_reason}`) : null;
}
