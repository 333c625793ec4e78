/** One finding of `npm run doctor`. */
export interface DoctorCheck {
  /** Stable name, e.g. `socket`, `engine`, `outputs-dir`. */
  id: string;
  status: 'ok' | 'warn' | 'fail';
  /** What was checked, e.g. `socket /var/run/docker.sock`. */
  title: string;
  /** What was found, with the facts. */
  message: string;
  /** The exact fix, for `warn` and `fail`. */
  fix?: string;
  details?: Record<string, unknown>;
}

export interface DoctorReport {
  ok: boolean;
  checks: DoctorCheck[];
}

const LABELS: Record<DoctorCheck['status'], string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' };

export function doctorReport(checks: DoctorCheck[]): DoctorReport {
  return { ok: checks.every((check) => check.status !== 'fail'), checks };
}

/** One line per check (`ok   title: message`), and an indented `fix:` line under a problem. */
export function formatReport(report: DoctorReport): string {
  const lines = report.checks.flatMap((check) => {
    const line = `${LABELS[check.status]}  ${check.title}: ${check.message}`;
    return check.fix === undefined || check.status === 'ok'
      ? [line]
      : [line, `      fix: ${check.fix}`];
  });
  const failed = report.checks.filter((check) => check.status === 'fail').length;
  const warned = report.checks.filter((check) => check.status === 'warn').length;
  lines.push(
    failed > 0
      ? `${failed} problem${failed === 1 ? '' : 's'} to fix (see docs/troubleshooting.md)`
      : warned > 0
        ? `no problems; ${warned} warning${warned === 1 ? '' : 's'}`
        : 'no problems',
  );
  return `${lines.join('\n')}\n`;
}

/** Non-zero when something is wrong. */
export function exitCodeOf(report: DoctorReport): number {
  return report.ok ? 0 : 1;
}
