/**
 * The age-friendly mode (适老化, per MIIT's guideline for internet applications): larger type
 * (body text at least 18 px, titles larger), stronger contrast, bigger touch targets and a
 * simpler navigation. One tap from every screen; remembered per browser.
 */
import { ref } from "vue";

const KEY = "jiedao.elder";
export const elderMode = ref(localStorage.getItem(KEY) === "1");

function apply(): void {
  document.documentElement.classList.toggle("elder", elderMode.value);
}

/** Turn the age-friendly mode on or off. */
export function setElderMode(on: boolean): void {
  elderMode.value = on;
  localStorage.setItem(KEY, on ? "1" : "0");
  apply();
}

apply();
