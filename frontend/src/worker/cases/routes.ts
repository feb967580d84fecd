/** Worker console: the cases screens, mounted under /app/{street}/w/...
 *  Owners' votes (deliberation: paper and proxy votes, turnout), mediation cases (sessions,
 *  agreement, signatures, return visits, PDFs) and task-force findings by department.
 *  A ballot, a case and the task forces are live (ballotChanged, mediationCaseChanged,
 *  taskForceChanged); the lists keep a refresh action. */
import type { RouteRecordRaw } from "vue-router";
import type { MenuEntry } from "@/common/menu";

export const casesMenu: MenuEntry[] = [
  { name: "cases-ballots", label: "cases.menu.ballots", icon: "records-o", plugin: "deliberation", permission: "deliberation.ballot.manage" },
  { name: "cases-mediation", label: "cases.menu.mediation", icon: "friends-o", plugin: "mediation", permission: "mediation.case.manage" },
  { name: "cases-taskforces", label: "cases.menu.taskforces", icon: "cluster-o", plugin: "mediation", permission: "mediation.taskforce.read" },
];

export const casesRoutes: RouteRecordRaw[] = [
  { path: "/w/ballots", name: "cases-ballots", component: () => import("@/worker/cases/ballots/BallotList.vue"), meta: { title: "cases.ballots.title" } },
  { path: "/w/ballots/:id", name: "cases-ballot", component: () => import("@/worker/cases/ballots/BallotPage.vue"), props: true, meta: { title: "cases.ballot.title" } },
  { path: "/w/mediation", name: "cases-mediation", component: () => import("@/worker/cases/mediation/CaseList.vue"), meta: { title: "cases.mediation.title" } },
  { path: "/w/mediation/:id", name: "cases-case", component: () => import("@/worker/cases/mediation/CasePage.vue"), props: true, meta: { title: "cases.case.title" } },
  { path: "/w/taskforces", name: "cases-taskforces", component: () => import("@/worker/cases/taskforces/TaskForcePage.vue"), meta: { title: "cases.taskforces.title" } },
];
