/** The guard the PostgreSQL, Redis and Chromium suites call when their service is missing (test/ci.ts). */
import { onCi, skipOrFailOnCi } from '../ci';

const saved = process.env.CI;
afterEach(() => {
	if (saved === undefined) delete process.env.CI;
	else process.env.CI = saved;
	jest.restoreAllMocks();
});

test('under CI=true a missing service fails the suite, naming it and the reason', () => {
	process.env.CI = 'true';
	expect(onCi()).toBe(true);
	expect(() => skipOrFailOnCi('PostgreSQL store contract', 'no PostgreSQL answers at 127.0.0.1:5432')).toThrow(
		/^PostgreSQL store contract cannot run: no PostgreSQL answers at 127\.0\.0\.1:5432 \(CI=true/,
	);
});

test.each([[undefined], ['false'], ['0'], ['']])('with CI=%p it warns loudly and lets the suite skip', (value) => {
	if (value === undefined) delete process.env.CI;
	else process.env.CI = value;
	const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
	jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
	expect(onCi()).toBe(false);
	expect(() => skipOrFailOnCi('queue mode e2e', 'no Redis')).not.toThrow();
	expect(warn).toHaveBeenCalledWith(expect.stringContaining('queue mode e2e: SKIPPED — no Redis'));
});
