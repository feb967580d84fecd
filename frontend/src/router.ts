/** Routes of the app under /app/{street}/; every screen but /login needs a session. */
import { createRouter, createWebHistory } from "vue-router";
import HomePage from "@/common/HomePage.vue";
import LoginPage from "@/common/LoginPage.vue";
import { appBase } from "@/config";
import { state } from "@/lib/session";
import { residentRoutes } from "@/resident/routes";
import { workerRoutes } from "@/worker/routes";

export const router = createRouter({
  history: createWebHistory(appBase),
  routes: [
    { path: "/login", name: "login", component: LoginPage, meta: { public: true } },
    { path: "/", name: "home", component: HomePage },
    ...residentRoutes,
    ...workerRoutes,
    { path: "/:rest(.*)*", redirect: "/" },
  ],
});

router.beforeEach((to) => {
  if (!to.meta.public && !state.session) return { name: "login", query: to.fullPath === "/" ? {} : { next: to.fullPath } };
  return true;
});
