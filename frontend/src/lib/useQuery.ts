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
  async function reload(): Promise<void> {
    loading.value = true;
    try {
      data.value = await load();
      error.value = null;
    } catch (failure) {
      error.value = failure;
    } finally {
      loading.value = false;
    }
  }
  onMounted(reload);
  return { data, error, loading, reload };
}
