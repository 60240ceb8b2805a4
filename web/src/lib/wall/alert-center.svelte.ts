/**
 * Alerts for the whole session: the open ones on sign-in, then the `alerts` subscription (new alerts and
 * acknowledgements by anyone). Watchlist hits toast on every screen; the wall lists them too.
 */
import type { Client } from '@urql/svelte';
import { listen } from '../api/live.js';
import { mutate } from '../api/mutate.js';
import { AcknowledgeAlertMutation, AlertsQuery, AlertsSubscription, type Alert } from '../graphql/operations.js';
import { mergeAlerts, toastAlerts, upsertAlert } from './alerts.js';

export class AlertCenter {
  list = $state<Alert[]>([]);
  now = $state(Date.now());
  error = $state<string | null>(null);
  private readonly stops: (() => void)[] = [];

  constructor(private readonly client: Client) {}

  start(): () => void {
    void this.client
      .query(AlertsQuery, { first: 50 }, { requestPolicy: 'network-only' })
      .toPromise()
      .then((r) => {
        if (r.data) this.list = mergeAlerts(this.list, r.data.alerts);
      });
    this.stops.push(
      listen(this.client, AlertsSubscription, {}, (d) => (this.list = upsertAlert(this.list, d.alerts)), (m) => (this.error = m)),
    );
    const timer = setInterval(() => (this.now = Date.now()), 1000);
    this.stops.push(() => clearInterval(timer));
    return () => this.stops.splice(0).forEach((s) => s());
  }

  get toasts(): Alert[] {
    return toastAlerts(this.list, this.now);
  }

  get open(): Alert[] {
    return this.list.filter((a) => !a.acknowledgedAt);
  }

  async acknowledge(id: string): Promise<void> {
    const d = await mutate(this.client, AcknowledgeAlertMutation, { id }, 'Acknowledging the alert');
    if (d) this.list = upsertAlert(this.list, d.acknowledgeAlert);
  }
}
