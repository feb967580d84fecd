/** `useLive(document, variables, onChange)`: a subscription for as long as the screen is
 *  mounted, counting the changes it received (for the LiveBar). */
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { onUnmounted, ref, type Ref } from "vue";
import { subscribe } from "@/lib/live";

export function useLive<Result, Variables>(
  document: TypedDocumentNode<Result, Variables>,
  variables: Variables,
  onChange: (data: Result) => void,
): Ref<number> {
  const changes = ref(0);
  const stop = subscribe(document, variables, (data) => {
    changes.value += 1;
    onChange(data);
  });
  onUnmounted(stop);
  return changes;
}
