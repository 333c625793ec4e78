/**
 * What an express 5 application serves, read from its router stack: every route with its
 * methods, the paths other applications or routers are mounted at, and whether static files are
 * served. Reads the internals of the `router` package (2.x): layers with `route`, `handle`,
 * `rawPath` and `slash`.
 */

export interface AppRoute {
  /** Lower case, as OpenAPI writes it. */
  method: string;
  /** The express path pattern, e.g. `/api/animation/jobs/:id`. */
  path: string;
}

export interface AppRoutes {
  routes: AppRoute[];
  /**
   * Paths a router or application is mounted at. A router's routes are in `routes` too; an
   * application's are not (express hides them behind a wrapper).
   */
  mounts: string[];
  /** Mount paths of express.static handlers. */
  staticMounts: string[];
}

interface Layer {
  name?: string;
  rawPath?: unknown;
  slash?: boolean;
  route?: { path: unknown; methods: Record<string, boolean | undefined>; stack?: Layer[] };
  handle?: { stack?: Layer[]; router?: { stack?: Layer[] } };
}

export function listAppRoutes(app: unknown): AppRoutes {
  const stack = (app as { router?: { stack?: Layer[] } }).router?.stack;
  if (!Array.isArray(stack))
    throw new Error('Not an express 5 application: it has no router stack');
  const found: AppRoutes = { routes: [], mounts: [], staticMounts: [] };
  walk(stack, '', found);
  return found;
}

function walk(stack: Layer[], prefix: string, found: AppRoutes): void {
  for (const layer of stack) {
    if (layer.route !== undefined) {
      for (const routePath of pathsOf(layer.route.path)) {
        for (const [method, enabled] of Object.entries(layer.route.methods)) {
          if (!enabled) continue;
          found.routes.push({
            method: method === '_all' ? 'all' : method,
            path: prefix + routePath,
          });
        }
      }
      continue;
    }
    const mountPaths = layer.slash ? [''] : pathsOf(layer.rawPath).map((p) => p.replace(/\/$/, ''));
    const inner = layer.handle?.stack ?? layer.handle?.router?.stack;
    for (const mountPath of mountPaths) {
      const at = prefix + mountPath;
      if (inner !== undefined) {
        if (at !== prefix) found.mounts.push(at);
        walk(inner, at, found);
      } else if (layer.name === 'mounted_app') {
        // express wraps a mounted application in a function that hides its routes.
        found.mounts.push(at);
      } else if (layer.name === 'serveStatic') {
        found.staticMounts.push(at === '' ? '/' : at);
      }
    }
  }
}

function pathsOf(raw: unknown): string[] {
  const paths = Array.isArray(raw) ? raw.flat(Infinity) : [raw];
  return paths.map((entry: unknown) => {
    if (typeof entry !== 'string') {
      throw new Error(
        `A route or mount path that is not a string cannot be checked: ${String(entry)}`,
      );
    }
    return entry;
  });
}

/** The routes under `prefix` (the prefix itself included). */
export function isUnder(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}
