/**
 * The message catalogue: Chinese first, English on the switch. Each area keeps its own
 * messages (common, resident, worker) and they merge here; the choice persists per browser.
 */
import { createI18n } from "vue-i18n";
import { Locale } from "vant";
import vantEn from "vant/es/locale/lang/en-US";
import vantZh from "vant/es/locale/lang/zh-CN";
import common from "@/common/messages";
import resident from "@/resident/messages";
import worker from "@/worker/messages";

export type Language = "zh-CN" | "en";
const KEY = "jiedao.language";

function merge(language: Language) {
  return { ...common[language], ...resident[language], ...worker[language] };
}

const stored = localStorage.getItem(KEY);
const initial: Language = stored === "en" ? "en" : "zh-CN";

export const i18n = createI18n({
  legacy: false,
  locale: initial,
  fallbackLocale: "zh-CN",
  messages: { "zh-CN": merge("zh-CN"), en: merge("en") },
  datetimeFormats: {
    "zh-CN": {
      short: { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit", hour12: false },
      long: { year: "numeric", month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit", hour12: false },
      date: { year: "numeric", month: "numeric", day: "numeric" },
    },
    en: {
      short: { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hour12: false },
      long: { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hour12: false },
      date: { year: "numeric", month: "short", day: "numeric" },
    },
  },
  numberFormats: {
    "zh-CN": { percent: { style: "percent", maximumFractionDigits: 1 }, integer: { maximumFractionDigits: 0 } },
    en: { percent: { style: "percent", maximumFractionDigits: 1 }, integer: { maximumFractionDigits: 0 } },
  },
});

/** Switch the language of the app (and of Vant's own components). */
export function setLanguage(language: Language): void {
  i18n.global.locale.value = language;
  Locale.use(language === "en" ? "en-US" : "zh-CN", language === "en" ? vantEn : vantZh);
  document.documentElement.lang = language;
  localStorage.setItem(KEY, language);
}

setLanguage(initial);

/**
 * The language the server answers messages in (errors, ballot reasons): the UI's language, sent
 * as `Accept-Language` on every request and in the socket's `connection_init` (a browser
 * WebSocket cannot set headers). Branch on an error's `code`, never on its message.
 */
export function messageLanguage(): Language {
  return i18n.global.locale.value as Language;
}
