/**
 * Listening to a subscription for its side effects (each event updates buffers or lists), with the unsubscribe
 * returned for an $effect's cleanup. Errors are reported once per failure, not thrown.
 */
import type { AnyVariables, Client, DocumentInput } from '@urql/svelte';
import { errorMessage } from './errors.js';

export function listen<Data, Vars extends AnyVariables>(
  client: Client,
  doc: DocumentInput<Data, Vars>,
  variables: Vars,
  onData: (data: Data) => void,
  onError: (message: string) => void = () => undefined,
): () => void {
  const sub = client.subscription(doc, variables).subscribe((r) => {
    if (r.error) onError(errorMessage(r.error));
    else if (r.data) onData(r.data);
  });
  return () => sub.unsubscribe();
}
