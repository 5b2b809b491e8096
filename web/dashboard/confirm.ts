// Confirmation for actions, in a modal <dialog> (focus moves into it and Escape cancels, keyboard only works).

/** Ask; resolves true when confirmed. */
export function confirmAction(text: string, confirmLabel: string): Promise<boolean> {
  const dialog = document.getElementById('confirm') as HTMLDialogElement;
  const ok = document.getElementById('confirm-ok') as HTMLButtonElement;
  const cancel = document.getElementById('confirm-cancel') as HTMLButtonElement;
  (document.getElementById('confirm-text') as HTMLElement).textContent = text;
  ok.textContent = confirmLabel;
  return new Promise((resolve) => {
    const done = (answer: boolean) => {
      ok.onclick = cancel.onclick = null;
      dialog.onclose = null;
      if (dialog.open) dialog.close();
      resolve(answer);
    };
    ok.onclick = () => done(true);
    cancel.onclick = () => done(false);
    dialog.onclose = () => done(false);
    dialog.showModal();
    cancel.focus();
  });
}
