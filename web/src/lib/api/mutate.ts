/** Run a mutation and report a failure as a notice; the data, or null when it failed. */
import type { AnyVariables, Client, DocumentInput } from '@urql/svelte';
import { notices } from '../notices.svelte.js';
import { errorMessage } from './errors.js';

export async function mutate<Data, Vars extends AnyVariables>(client: Client, doc: DocumentInput<Data, Vars>, variables: Vars, what: string): Promise<Data | null> {
  const r = await client.mutation(doc, variables).toPromise();
  if (r.error || !r.data) {
    notices.error(`${what} failed: ${errorMessage(r.error) || 'no answer'}`);
    return null;
  }
  return r.data;
}
