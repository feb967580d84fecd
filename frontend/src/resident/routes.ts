/** The resident screens, mounted under /app/{street}/r/... (phone-sized first). */
import type { RouteRecordRaw } from "vue-router";
import type { MenuEntry } from "@/common/menu";

export const residentMenu: MenuEntry[] = [];

export const residentRoutes: RouteRecordRaw[] = [];
