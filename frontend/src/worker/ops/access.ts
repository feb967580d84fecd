/** Who may use the ops screens: street staff, grid workers and organisation members (物业, 业委会 …). */
import { hasRole } from "@/lib/session";

/** The roles that work items and alarms are for. */
export const OPS_ROLES = ["street_admin", "community_worker", "grid_worker", "organisation_member", "platform_admin"];

/** Whether the session may open the ops screens (residents get a permission message instead). */
export function mayUseOps(): boolean {
  return hasRole(...OPS_ROLES);
}
