/** The two DOM helpers the views share: `h` builds an element, `field` a labelled input. */

type Child = Node | string | null | undefined | false;

/** `h('button', { type: 'submit' }, 'Post')`: properties are assigned, children appended (falsy ones skipped). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = Object.assign(document.createElement(tag), props);
  for (const child of children) if (child) el.append(child);
  return el;
}

/** `<label>Text <input></label>`: a wrapping label names the input for people and for screen readers. */
export function field(text: string, input: HTMLInputElement | HTMLTextAreaElement): HTMLLabelElement {
  return h('label', {}, h('span', { textContent: text }), input);
}

/** The message of whatever a client call threw (Amplify errors carry `name` and `message`). */
export function errorText(err: unknown): string {
  if (err instanceof Error) return err.name && err.name !== 'Error' ? `${err.name}: ${err.message}` : err.message;
  return String(err);
}

/**
 * Runs a form's submit handler with the form disabled and its status line showing progress or the error,
 * so every form in the app reports failures the same way.
 */
export function onSubmit(form: HTMLFormElement, status: HTMLElement, handler: (data: FormData) => Promise<void>): void {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    // Read the values first: a disabled control is left out of FormData.
    const data = new FormData(form);
    const fieldset = form.querySelector('fieldset');
    if (fieldset) fieldset.disabled = true;
    status.className = 'status';
    status.textContent = '';
    handler(data)
      .catch((err: unknown) => {
        status.className = 'status error';
        status.textContent = errorText(err);
      })
      .finally(() => {
        if (fieldset) fieldset.disabled = false;
      });
  });
}
