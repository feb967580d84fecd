/** Service-level state of a work item from its due time: on time, due soon (within a day),
 *  overdue; an item resolved and waiting for its resident's rating no longer runs late. */

export type Sla = "ok" | "soon" | "late" | "none" | "rating";

const WAITING_ON_HANDLER = ["NEW", "DISPATCHED", "ACCEPTED", "IN_PROGRESS", "RETURNED", "REOPENED"];

/** How close ``dueAt`` is at ``now`` for an item in ``state``; ``overdue`` is the server's
 *  verdict (past due and still waiting on its handler). */
export function slaOf(state: string, dueAt: string | null | undefined, overdue: boolean, now: number = Date.now()): Sla {
  if (!WAITING_ON_HANDLER.includes(state)) return "rating";
  if (overdue) return "late";
  if (!dueAt) return "none";
  const left = Date.parse(dueAt) - now;
  if (left < 0) return "late";
  return left < 24 * 3600 * 1000 ? "soon" : "ok";
}

/** The CSS class of an SLA state (`.sla-ok/.sla-soon/.sla-late` in styles.css). */
export function slaClass(sla: Sla): string {
  return sla === "late" || sla === "soon" ? `sla-${sla}` : "sla-ok";
}

/** Items by due time, soonest first; items without a due time last (oldest first among them). */
export function byDueTime<T extends { dueAt?: string | null; openedAt: string }>(items: T[]): T[] {
  const key = (item: T) => (item.dueAt ? Date.parse(item.dueAt) : Number.POSITIVE_INFINITY);
  return [...items].sort((a, b) => key(a) - key(b) || Date.parse(a.openedAt) - Date.parse(b.openedAt));
}
