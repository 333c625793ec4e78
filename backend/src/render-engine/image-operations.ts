/** What the puller asks of the engine. */
export interface ImageOperations {
  exists(name: string): Promise<boolean>;
  pull(name: string): Promise<void>;
}

/**
 * The registry an image reference names: its first path component when that looks like a host
 * (has a dot or a port, or is `localhost`), else Docker Hub.
 */
export function registryOfImage(name: string): string {
  const slash = name.indexOf('/');
  if (slash === -1) return 'docker.io';
  const first = name.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : 'docker.io';
}
