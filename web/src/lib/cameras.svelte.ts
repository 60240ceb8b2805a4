/** The cameras in the caller's scope, kept current: the list query, then health changes from `cameraStatus`. */
import type { Client } from '@urql/svelte';
import { errorMessage } from './api/errors.js';
import { listen } from './api/live.js';
import { CameraStatusSubscription, CamerasQuery, type Camera } from './graphql/operations.js';

export class CameraDirectory {
  list = $state<Camera[]>([]);
  loading = $state(true);
  error = $state<string | null>(null);

  constructor(private readonly client: Client) {}

  start(): () => void {
    void this.refresh();
    return listen(this.client, CameraStatusSubscription, {}, (d) => {
      const { cameraId, health } = d.cameraStatus;
      this.list = this.list.map((c) => (c.id === cameraId ? { ...c, health } : c));
    });
  }

  async refresh(): Promise<void> {
    const r = await this.client.query(CamerasQuery, {}, { requestPolicy: 'network-only' }).toPromise();
    this.loading = false;
    this.error = r.error ? errorMessage(r.error) : null;
    if (r.data) this.list = r.data.cameras;
  }

  get(id: string | null | undefined): Camera | undefined {
    return id ? this.list.find((c) => c.id === id) : undefined;
  }

  name = (id: string): string => this.get(id)?.name ?? id;
}
