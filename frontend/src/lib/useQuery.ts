/** `useQuery(load)`: loading / error / data state of one screen's data, with reload(). */
import { onMounted, ref, shallowRef, type Ref, type ShallowRef } from "vue";

export interface QueryState<T> {
  data: ShallowRef<T | null>;
  error: Ref<unknown>;
  loading: Ref<boolean>;
  reload: () => Promise<void>;
}

/** Run ``load`` on mount and on ``reload()``; keeps the last good data while reloading. */
export function useQuery<T>(load: () => Promise<T>): QueryState<T> {
  const data = shallowRef<T | null>(null);
  const error = ref<unknown>(null);
  const loading = ref(false);
  let latest = 0;
  async function reload(): Promise<void> {
    // reloads may overlap (two live events in a row): only the latest one's answer is kept,
    // so a slow earlier answer never puts older data back on the screen
    const mine = ++latest;
    loading.value = true;
    try {
      const value = await load();
      if (mine !== latest) return;
      data.value = value;
      error.value = null;
    } catch (failure) {
      if (mine === latest) error.value = failure;
    } finally {
      if (mine === latest) loading.value = false;
    }
  }
  onMounted(reload);
  return { data, error, loading, reload };
}
