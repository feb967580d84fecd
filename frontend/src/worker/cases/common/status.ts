/** What the last action did ("已为 101 室录入投票"), announced in the page's status line
 *  (role=status) instead of a toast, so that screen readers hear it and it stays readable. */
import { ref } from "vue";

/** The last announcement, or "" (shown by StatusLine.vue). */
export const lastAction = ref("");

/** Announce ``text`` as the result of an action. */
export function announce(text: string): void {
  lastAction.value = text;
}
