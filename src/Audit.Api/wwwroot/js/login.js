// The login: the user's name and password for a session cookie (POST /api/v1/auth/session), then the page asked for.
const form = document.getElementById('login');
const error = document.getElementById('login-error');

/** Only a path of this site: never another origin (an open redirect). */
function next() {
  const asked = new URLSearchParams(location.search).get('next') ?? '/';
  return asked.startsWith('/') && !asked.startsWith('//') && !asked.startsWith('/\\') ? asked : '/';
}

form.addEventListener('submit', async event => {
  event.preventDefault();
  error.textContent = '';
  const body = JSON.stringify({ name: form.elements.name.value, password: form.elements.password.value });
  const button = form.querySelector('button');
  button.disabled = true;
  try {
    const response = await fetch('/api/v1/auth/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body, credentials: 'same-origin' });
    if (response.ok) { location.assign(next()); return; }
    const problem = await response.json().catch(() => ({}));
    error.className = 'message error';
    error.textContent = response.status === 401 ? 'Unknown user or wrong password.'
      : response.status === 429 ? 'Too many logins from here: wait a minute.' : `Login refused: ${problem.detail ?? response.status}`;
    form.elements.password.select();
  } finally {
    button.disabled = false;
  }
});
