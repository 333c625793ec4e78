import { runDoctorChecks } from '../doctor/doctor-checks';
import { createDoctorDeps } from '../doctor/doctor-deps';
import { doctorReport, exitCodeOf, formatReport } from '../doctor/doctor-report';

const USAGE = `usage: npm run doctor [-- --json]

Checks what the worker needs: the Docker socket and who may use it, DOCKER_HOST and other engine
sockets, the engine and its security options, the render image, the worker's own container and
mounts, OUTPUTS_DIR and TEMP_DIR as a render container sees them, and Redis. Prints one line per
check (ok, warn, FAIL) with the fix; exits 1 when something must be fixed.

  --json   one JSON object on stdout: {ok, checks: [{id, status, title, message, fix?, details?}]}
`;

/** `npm run doctor`: every check in one run, for people and (with --json) for scripts. */
async function main(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const unknown = args.filter((arg) => arg !== '--json');
  if (unknown.length > 0) {
    process.stderr.write(`doctor: unknown argument ${unknown.join(' ')}\n${USAGE}`);
    return 2;
  }
  const report = doctorReport(await runDoctorChecks(createDoctorDeps()));
  process.stdout.write(
    args.includes('--json') ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report),
  );
  return exitCodeOf(report);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`doctor: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
