/** Short messages after an action (saved, refused, …), shown bottom-left and dismissed after a while. */
export type NoticeKind = 'info' | 'success' | 'error';

export interface Notice {
  id: number;
  kind: NoticeKind;
  text: string;
}

class Notices {
  list = $state<Notice[]>([]);
  private next = 1;

  push(kind: NoticeKind, text: string, ms = kind === 'error' ? 8000 : 4000): void {
    const id = this.next++;
    this.list = [...this.list.slice(-4), { id, kind, text }];
    setTimeout(() => this.dismiss(id), ms);
  }

  success(text: string): void {
    this.push('success', text);
  }

  error(text: string): void {
    this.push('error', text);
  }

  dismiss(id: number): void {
    this.list = this.list.filter((n) => n.id !== id);
  }
}

export const notices = new Notices();
