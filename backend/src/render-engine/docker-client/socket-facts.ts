import { lstatSync, readFileSync, statSync, type Stats } from 'node:fs';
import { nameForId, type ProcessIdentity, type SocketFacts } from './socket-diagnosis';

/**
 * Gathers the facts socket-diagnosis.ts judges: what is at a socket path and who this process
 * is. Synchronous on purpose: it runs only after a connection failed, on one path, and its
 * callers build an error synchronously.
 */
export function readSocketFacts(path: string): SocketFacts {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') {
      return { path, exists: false, isSocket: false, isDirectory: false, statError: String(code) };
    }
    return {
      path,
      exists: false,
      brokenLink: isSymbolicLink(path),
      isSocket: false,
      isDirectory: false,
    };
  }
  return {
    path,
    exists: true,
    isSocket: stats.isSocket(),
    isDirectory: stats.isDirectory(),
    uid: stats.uid,
    gid: stats.gid,
    mode: stats.mode,
    ...definedNames(
      nameForId(readText('/etc/passwd'), stats.uid),
      nameForId(readText('/etc/group'), stats.gid),
    ),
  };
}

export function currentProcessIdentity(): ProcessIdentity {
  return {
    uid: process.getuid?.() ?? 0,
    gid: process.getgid?.() ?? 0,
    groups: process.getgroups?.() ?? [],
  };
}

function isSymbolicLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function definedNames(
  ownerName: string | undefined,
  groupName: string | undefined,
): Pick<SocketFacts, 'ownerName' | 'groupName'> {
  return {
    ...(ownerName === undefined ? {} : { ownerName }),
    ...(groupName === undefined ? {} : { groupName }),
  };
}
