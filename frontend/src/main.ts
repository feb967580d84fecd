/** Entry of the resident and worker app served at /app/{street}/. */
import { createApp } from "vue";
// the styles of Vant's function APIs (the components' own come with their auto-import)
import "vant/es/toast/style";
import "vant/es/dialog/style";
import "vant/es/notify/style";
import "@/styles.css";
import App from "@/App.vue";
import { i18n } from "@/i18n";
import { router } from "@/router";
import "@/lib/elder";

createApp(App).use(i18n).use(router).mount("#app");
