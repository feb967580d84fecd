/** Worker console: the cases screens, mounted under /app/{street}/w/... */
import type { RouteRecordRaw } from "vue-router";
import type { MenuEntry } from "@/common/menu";

export const casesMenu: MenuEntry[] = [];

export const casesRoutes: RouteRecordRaw[] = [];
