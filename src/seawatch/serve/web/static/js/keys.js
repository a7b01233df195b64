// Single-key shortcuts; `?` shows them.
const $ = (sel) => document.querySelector(sel);
const bindings = [];

export function bind(key, what, fn) { bindings.push({ key, what, fn }); }

export function initKeys() {
  bind('?', 'show / hide this help', () => { $('#help').hidden = !$('#help').hidden; });
  $('#help-keys').innerHTML = bindings.map((b) => `<dt>${b.key === ' ' ? 'space' : b.key}</dt><dd>${b.what}</dd>`).join('');
  $('#help').onclick = () => { $('#help').hidden = true; };
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.target.matches('input, select, textarea')) {
      if (e.key === 'Escape') e.target.blur();
      return;
    }
    const b = bindings.find((x) => x.key === e.key);
    if (b) { e.preventDefault(); b.fn(e); }
  });
}
