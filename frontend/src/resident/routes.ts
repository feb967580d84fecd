/** The resident screens, mounted under /app/{street}/r/... (phone-sized first). Each screen is
 *  loaded on first visit, so the home screen stays small. */
import type { RouteRecordRaw } from "vue-router";
import type { MenuEntry } from "@/common/menu";
import "@/resident/resident.css";

export const residentMenu: MenuEntry[] = [
  { name: "resident-homes", label: "resident.menu.homes", icon: "wap-home-o" },
  { name: "resident-notices", label: "resident.menu.notices", icon: "bullhorn-o" },
  { name: "resident-ballots", label: "resident.menu.ballots", icon: "records-o", plugin: "deliberation", permission: "deliberation.ballot.read" },
  { name: "resident-appeals", label: "resident.menu.appeals", icon: "comment-o", plugin: "deliberation", permission: "deliberation.topic.raise" },
  { name: "resident-alarms", label: "resident.menu.alarms", icon: "warning-o", plugin: "sensors" },
  { name: "resident-contacts", label: "resident.menu.contacts", icon: "phone-o" },
];

export const residentRoutes: RouteRecordRaw[] = [
  { path: "/r/homes", name: "resident-homes", component: () => import("@/resident/homes/HomesPage.vue"), meta: { title: "resident.homes.title" } },
  { path: "/r/notices", name: "resident-notices", component: () => import("@/resident/notices/NoticesPage.vue"), meta: { title: "resident.notices.title" } },
  { path: "/r/notices/:id", name: "resident-notice", component: () => import("@/resident/notices/NoticePage.vue"), props: true, meta: { title: "resident.notices.detail" } },
  { path: "/r/ballots", name: "resident-ballots", component: () => import("@/resident/ballots/BallotsPage.vue"), meta: { title: "resident.ballots.title" } },
  { path: "/r/ballots/:id", name: "resident-ballot", component: () => import("@/resident/ballots/BallotPage.vue"), props: true, meta: { title: "resident.ballots.detail" } },
  { path: "/r/appeals", name: "resident-appeals", component: () => import("@/resident/appeals/AppealsPage.vue"), meta: { title: "resident.appeals.title" } },
  { path: "/r/appeals/new", name: "resident-appeal-new", component: () => import("@/resident/appeals/RaiseAppealPage.vue"), meta: { title: "resident.appeals.raise" } },
  { path: "/r/appeals/:id", name: "resident-appeal", component: () => import("@/resident/appeals/AppealPage.vue"), props: true, meta: { title: "resident.appeals.detail" } },
  { path: "/r/alarms", name: "resident-alarms", component: () => import("@/resident/alarms/AlarmsPage.vue"), meta: { title: "resident.alarms.title" } },
  { path: "/r/contacts", name: "resident-contacts", component: () => import("@/resident/contacts/ContactsPage.vue"), meta: { title: "resident.contacts.title" } },
];
