/**
 * Suites that need a service this machine may lack (PostgreSQL, Redis, Chromium) skip themselves locally with
 * a loud warning, but under CI=true they fail: a green CI run must mean every suite ran.
 */
export function onCi(): boolean {
	return /^(true|1)$/i.test(process.env.CI ?? '');
}

/** Warns that `suite` is skipped because of `reason`; under CI=true throws instead, failing the test file. */
export function skipOrFailOnCi(suite: string, reason: string): void {
	if (onCi()) throw new Error(`${suite} cannot run: ${reason} (CI=true, where no suite skips itself)`);
	console.warn(`\n!!! ${suite}: SKIPPED — ${reason} !!!\n`);
	process.stderr.write(`\n!!! ${suite}: SKIPPED — ${reason} !!!\n`);
}
