// Small DOM helpers shared by the booking page and the operator console.

import { t, onLangChange } from './i18n.js';

export const byId = (id) => document.getElementById(id);

// el('div', {class: 'x', 'data-y': '1'}, child, 'text', ...)
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined && value !== false) node.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const kNoticeMs = 5000;

// Messages are given as functions returning the text, so that they follow a language switch.
const texts = new Map(); // element -> () => string

function say(node, message) {
  const render = typeof message === 'function' ? message : () => message;
  node.textContent = render();
  texts.set(node, render);
}

onLangChange(() => {
  for (const [node, render] of texts) {
    if (node.isConnected) node.textContent = render(); else texts.delete(node);
  }
});

// An inline form message (empty hides it).
export function formMessage(id, message) {
  const node = byId(id);
  if (!message) { node.textContent = ''; texts.delete(node); return; }
  say(node, message);
}

// A toast: 'notice' ones fade after a few seconds; 'error' ones stay until dismissed or
// replaced by the next error, so that a fan who looked away still reads them.
// `action` {label: () => string, run} adds a button that does the obvious next step.
export function toast(kind, message, code = '', action = null) {
  const host = byId(kind === 'error' ? 'errors' : 'notices');
  if (!host) return;
  // One message of each kind at a time: the newest is the one that matters.
  host.replaceChildren();
  const close = el('button', { type: 'button', class: 'toast-close', 'aria-label': t('error.dismiss') }, '×');
  const item = el('div', { class: `toast toast--${kind}`, role: kind === 'error' ? 'alert' : null, 'data-code': code || null },
    el('p'), close);
  say(item.firstElementChild, message);
  if (action) {
    const button = el('button', { type: 'button', class: 'btn btn-small toast-action' });
    say(button, action.label);
    button.addEventListener('click', () => { item.remove(); action.run(); });
    close.before(button);
  }
  close.addEventListener('click', () => item.remove());
  host.append(item);
  if (kind !== 'error') setTimeout(() => item.remove(), kNoticeMs);
}

export function clearErrors() {
  const host = byId('errors');
  if (host) host.replaceChildren();
}

export function clearNotices() {
  const host = byId('notices');
  if (host) host.replaceChildren();
}
