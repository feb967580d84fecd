/** Labels of the API's enums in the user's language (keys under cases.enum.*). */
import { i18n } from "@/i18n";

/** ``value`` of the enum ``kind`` (e.g. "CaseState", "IN_MEDIATION") as a label. */
export function enumLabel(kind: string, value: string | null | undefined): string {
  if (!value) return "—";
  const key = `cases.enum.${kind}.${value}`;
  return i18n.global.te(key) ? i18n.global.t(key) : value;
}

/** Today's date in the browser as YYYY-MM-DD (the API's Date). */
export function todayIso(): string {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}
