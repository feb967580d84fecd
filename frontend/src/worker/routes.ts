/** The worker console (网格员, 社区, 物业, 业委会, 调解员): operations (work items, alarms) and
 *  cases (votes on paper and by proxy, mediation, task forces), under /app/{street}/w/... */
import type { RouteRecordRaw } from "vue-router";
import type { MenuEntry } from "@/common/menu";
import { casesMenu, casesRoutes } from "@/worker/cases/routes";
import { opsMenu, opsRoutes } from "@/worker/ops/routes";

export const workerMenu: MenuEntry[] = [...opsMenu, ...casesMenu];

export const workerRoutes: RouteRecordRaw[] = [...opsRoutes, ...casesRoutes];
