import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiClient } from './api/client';
import { SessionManager } from './api/session';
import { App } from './App';
import { AppContext } from './app-context';
import { loadConfig } from './config';
import './styles.css';

async function boot(): Promise<void> {
  const root = createRoot(document.getElementById('root')!);
  let config;
  try {
    config = await loadConfig();
  } catch (error) {
    root.render(
      <main id="main">
        <h1>The shop cannot start</h1>
        <p role="alert">Its configuration (config.json) could not be read: {String(error)}</p>
      </main>,
    );
    return;
  }
  const session = new SessionManager(config.api_url);
  const api = new ApiClient(config.api_url, session);
  // Render at once (the catalogue needs no login); pages that need the user
  // wait for the session to be restored.
  root.render(
    <StrictMode>
      <AppContext.Provider value={{ api }}>
        <App />
      </AppContext.Provider>
    </StrictMode>,
  );
  await session.start();
}

void boot();
