/** Worker console: the ops screens, mounted under /app/{street}/w/... — the work-item inbox
 *  and item detail, the alarm list and alarm detail. Each screen is wrapped in `OpsGate`: a
 *  session without a worker role sees a clear permission message, not an empty page. */
import { h, type Component } from "vue";
import type { RouteRecordRaw } from "vue-router";
import type { MenuEntry } from "@/common/menu";
import OpsGate from "@/worker/ops/OpsGate.vue";

/** The home-screen entries (alarms only where the street enables sensors, for who may read them). */
export const opsMenu: MenuEntry[] = [
  { name: "ops-inbox", label: "ops.inbox.menu", icon: "todo-list-o" },
  { name: "ops-alarms", label: "ops.alarms.menu", icon: "warning-o", plugin: "sensors", permission: "sensors.alarm.read" },
];

/** A lazily loaded screen inside the permission gate (``permission``: also required). */
function gated(load: () => Promise<{ default: Component }>, permission?: string) {
  return async () => {
    const screen = (await load()).default;
    return { name: "OpsGated", props: ["id"], setup: (props: { id?: string }) => () => h(OpsGate, { permission }, () => h(screen, props)) };
  };
}

export const opsRoutes: RouteRecordRaw[] = [
  { path: "/w/inbox", name: "ops-inbox", component: gated(() => import("@/worker/ops/InboxPage.vue")), meta: { title: "ops.inbox.title" } },
  { path: "/w/inbox/:id", name: "ops-work-item", component: gated(() => import("@/worker/ops/WorkItemPage.vue")), props: true, meta: { title: "ops.item.title" } },
  { path: "/w/alarms", name: "ops-alarms", component: gated(() => import("@/worker/ops/AlarmsPage.vue"), "sensors.alarm.read"), meta: { title: "ops.alarms.title" } },
  { path: "/w/alarms/:id", name: "ops-alarm", component: gated(() => import("@/worker/ops/AlarmPage.vue"), "sensors.alarm.read"), props: true, meta: { title: "ops.alarm.title" } },
];
