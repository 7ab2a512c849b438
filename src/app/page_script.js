// The script of the pages served without the browser app (`page_script` in src/app.rs): the
// registration page today. Their forms post themselves and the server checks everything; this
// adds what a person expects from a live page, and nothing works only because of it.
//
// - A countdown (`[role=timer][data-remaining]`, seconds) ticks every second on the monotonic
//   clock, worded as `components::countdown::format_remaining` words it on the server.
// - A form marked `data-checked` checks its fields' rules before it posts, with the messages
//   the server rendered from its own rules: `data-required-message` (empty once trimmed),
//   `data-min-chars` with `data-min-chars-message` (Unicode code points, as the server counts),
//   `data-same-as` (another field's name) with `data-same-as-message`. A refusal goes into the
//   field's `#{id}-error` and `aria-invalid`/`aria-describedby` as the server renders them, and
//   the first refused field takes the focus.
// - A refusal from the server comes back as a new page (the error in its URL, `__err`): the
//   form gets back what the person had typed into it, passwords excepted (kept in
//   `sessionStorage` for that one page load), and the first field the server refused takes
//   the focus.
// - A submit button's `data-pending-label` replaces its text while the form posts, and the
//   button stays disabled until the next page (or this one again, from the back-forward cache).
//
// Then `<body data-enhanced="true">`: the page is live (end-to-end tests wait for it).

const unit = (n, one) => `${n} ${one}${n === 1 ? '' : 's'}`;

const remaining = (secs) => {
  if (secs <= 0) return 'Expired';
  const d = Math.floor(secs / 86400);
  const h = Math.floor((secs % 86400) / 3600);
  const m = Math.floor((secs % 3600) / 60);
  const parts = [];
  if (d > 0) parts.push(unit(d, 'day'));
  if (d > 0 || h > 0) parts.push(unit(h, 'hour'));
  parts.push(unit(m, 'minute'));
  if (d === 0 && h === 0) parts.push(unit(secs % 60, 'second'));
  return parts.join(', ');
};

for (const timer of document.querySelectorAll('[role="timer"][data-remaining]')) {
  const initial = Number(timer.dataset.remaining);
  const start = performance.now();
  const handle = setInterval(() => {
    const left = initial - Math.floor((performance.now() - start) / 1000);
    timer.textContent = remaining(left);
    timer.classList.toggle('countdown-urgent', left < 3600);
    if (left <= 0) clearInterval(handle);
  }, 1000);
}

const problem = (rules, input, form) => {
  const d = rules.dataset;
  if (d.requiredMessage !== undefined && input.value.trim() === '') return d.requiredMessage;
  if (d.minChars !== undefined && [...input.value].length < Number(d.minChars)) return d.minCharsMessage;
  if (d.sameAs !== undefined && input.value !== form.elements.namedItem(d.sameAs)?.value) return d.sameAsMessage;
  return null;
};

const show = (input, message) => {
  const error = document.getElementById(`${input.id}-error`);
  if (!error) return;
  error.textContent = message ?? '';
  input.classList.toggle('input-invalid', message !== null);
  const described = (input.getAttribute('aria-describedby') ?? '').split(' ').filter((id) => id && id !== error.id);
  if (message !== null) {
    input.setAttribute('aria-invalid', 'true');
    described.push(error.id);
  } else {
    input.removeAttribute('aria-invalid');
  }
  if (described.length) input.setAttribute('aria-describedby', described.join(' '));
  else input.removeAttribute('aria-describedby');
};

const typed = (form) => `gatehouse:typed:${form.getAttribute('action')}`;
const kept = (input) => input instanceof HTMLInputElement && ['text', 'email'].includes(input.type);
const refused = new URLSearchParams(window.location.search).has('__err');

for (const form of document.querySelectorAll('form[data-checked]')) {
  try {
    const saved = sessionStorage.getItem(typed(form));
    sessionStorage.removeItem(typed(form));
    if (saved && refused) {
      for (const [name, value] of Object.entries(JSON.parse(saved))) {
        const input = form.elements.namedItem(name);
        if (kept(input)) input.value = value;
      }
    }
  } catch (_) {
    // Storage refused (a private window's policy): the form keeps the server's values.
  }
  form.querySelector('input[aria-invalid="true"]')?.focus();
  form.addEventListener('submit', (event) => {
    let first = null;
    for (const rules of form.querySelectorAll('[data-required-message], [data-min-chars], [data-same-as]')) {
      const input = rules.matches('input') ? rules : rules.querySelector('input');
      if (!input) continue;
      const message = problem(rules, input, form);
      show(input, message);
      first ??= message === null ? null : input;
    }
    if (first) {
      event.preventDefault();
      first.focus();
      return;
    }
    try {
      const values = Object.fromEntries([...form.elements].filter(kept).map((input) => [input.name, input.value]));
      sessionStorage.setItem(typed(form), JSON.stringify(values));
    } catch (_) {
      // As above: nothing is put back after a refusal.
    }
  });
}

for (const form of document.querySelectorAll('form')) {
  form.addEventListener('submit', (event) => {
    if (event.defaultPrevented) return;
    const button = form.querySelector('button[type="submit"][data-pending-label]');
    if (!button) return;
    button.dataset.label = button.textContent;
    button.textContent = button.dataset.pendingLabel;
    // Disabled after the submission has started, so the button does not drop out of it.
    setTimeout(() => { button.disabled = true; }, 0);
  });
}

window.addEventListener('pageshow', (event) => {
  if (!event.persisted) return;
  for (const button of document.querySelectorAll('button[data-pending-label][data-label]')) {
    button.textContent = button.dataset.label;
    button.disabled = false;
  }
});

document.body.dataset.enhanced = 'true';
