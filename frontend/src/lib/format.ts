/** Formatting shared by the screens: dates on a 24-hour clock, percentages, money in fen. */
import { i18n } from "@/i18n";

/** ``2026-12-02T08:30:00Z`` as the user's local date and time (24-hour in both languages). */
export function dateTime(value: string | null | undefined, style: "short" | "long" | "date" = "long"): string {
  return value ? i18n.global.d(new Date(value), style) : "—";
}

/** A ratio 0..1 as a percentage (1 → 100%). */
export function percent(ratio: number | null | undefined): string {
  return ratio == null ? "—" : i18n.global.n(ratio, "percent");
}

/** An amount in fen (分) as yuan with two decimals. */
export function yuan(fen: number | null | undefined): string {
  return fen == null ? "—" : `¥${(fen / 100).toFixed(2)}`;
}
