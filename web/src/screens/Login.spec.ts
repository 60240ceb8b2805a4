// @vitest-environment happy-dom
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import Login from './Login.svelte';

const tick = () => new Promise((r) => setTimeout(r, 0));
let app: ReturnType<typeof mount> | null = null;
afterEach(() => {
  if (app) unmount(app);
  app = null;
  document.body.innerHTML = '';
});

const q = (id: string) => document.querySelector(`[data-testid="${id}"]`) as HTMLElement | null;

function type(el: HTMLInputElement, value: string) {
  el.value = value;
  el.dispatchEvent(new Event('input', { bubbles: true }));
  flushSync();
}

describe('Login', () => {
  it('submits the typed token and shows why it was refused', async () => {
    const onsubmit = vi.fn(async () => 'This token was not accepted');
    app = mount(Login, { target: document.body, props: { onsubmit } });
    const submit = q('login-submit') as HTMLButtonElement;
    expect(submit.disabled).toBe(true); // nothing typed yet
    type(q('login-token') as HTMLInputElement, 'secret-123');
    expect(submit.disabled).toBe(false);
    (q('login-form') as HTMLFormElement).dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
    await tick();
    flushSync();
    expect(onsubmit).toHaveBeenCalledWith('secret-123');
    expect(q('login-error')?.textContent).toContain('not accepted');
    expect((q('login-token') as HTMLInputElement).value).toBe('secret-123'); // kept for a retry
  });

  it('clears the field after a successful sign-in', async () => {
    app = mount(Login, { target: document.body, props: { onsubmit: async () => null } });
    type(q('login-token') as HTMLInputElement, 'good');
    (q('login-form') as HTMLFormElement).dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
    await tick();
    flushSync();
    expect(q('login-error')).toBeNull();
    expect((q('login-token') as HTMLInputElement).value).toBe('');
  });

  it('explains why the user is back on the login screen', () => {
    app = mount(Login, { target: document.body, props: { onsubmit: async () => null, notice: 'Your token was revoked or has expired.' } });
    expect(q('login-notice')?.textContent).toContain('revoked');
  });
});
