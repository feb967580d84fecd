/** Worker console: the ops screens, mounted under /app/{street}/w/... */
import type { RouteRecordRaw } from "vue-router";
import type { MenuEntry } from "@/common/menu";

export const opsMenu: MenuEntry[] = [];

export const opsRoutes: RouteRecordRaw[] = [];
