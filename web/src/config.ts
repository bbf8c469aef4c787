// Where the API is: read at run time from `/config.json`, which whoever
// serves the build writes (the local gateway answers it itself; a deploy
// uploads it next to index.html), so one build serves any stack.
export interface RuntimeConfig {
  api_url: string;
}

export async function loadConfig(): Promise<RuntimeConfig> {
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
  const config = (await response.json()) as Partial<RuntimeConfig>;
  if (typeof config.api_url !== 'string' || !/^https?:\/\//.test(config.api_url)) {
    throw new Error('config.json has no api_url');
  }
  return { api_url: config.api_url.replace(/\/+$/, '') };
}
