/** The worker console (网格员, 社区, 物业, 业委会, 调解员), mounted under /app/{street}/w/... */
import type { RouteRecordRaw } from "vue-router";

/** Entries of the workbench menu: route name, message key of the label, Vant icon. */
export const workerMenu: { name: string; label: string; icon: string; plugin?: string }[] = [];

export const workerRoutes: RouteRecordRaw[] = [];
