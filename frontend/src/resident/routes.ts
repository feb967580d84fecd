/** The resident screens, mounted under /app/{street}/r/... (phone-sized first). */
import type { RouteRecordRaw } from "vue-router";

/** Entries of the resident home menu: route name, message key of the label, Vant icon. */
export const residentMenu: { name: string; label: string; icon: string; plugin?: string }[] = [];

export const residentRoutes: RouteRecordRaw[] = [];
