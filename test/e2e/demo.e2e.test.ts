import { spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * `npm run demo` end to end: the script starts its own n8n (not the suite's) and the fake platforms, plays
 * the day's traffic and prints its summary; --json adds the summary as the last line of stdout. Uses the
 * Node that runs jest (the repo's Node 24) and dist/ as `npm run test:e2e` just built it.
 */
interface DemoSummary {
	sent: { clicks: number; postbacks: number; replays: number; reversals: number; badPostbacks: number };
	badPostbackAnswers: Array<{ status: number; body: string }>;
	conversionsReceived: number;
	rejected: number;
	duplicates: number;
	funnel: Record<string, number>;
	forwarded: Record<'meta' | 'tiktok' | 'googleAds' | 'ga4' | 'snapchat' | 'pinterest' | 'reddit' | 'microsoft', number>;
	platformDuplicates: { meta: number; tiktok: number };
	ledger: Array<{ affiliateId: string; currency: string; balance: string }>;
	payoutRun: Array<{ affiliateId: string; outcome: string; amount?: string }>;
	payouts: Array<{ affiliateId: string; amount: string; currency: string; status: string }>;
	paypalBatches: number;
	conversionLogPage?: { withoutLogin: number; withLogin: number; listsConversions: boolean };
}

const BUDGET_MS = 180_000;

function runDemo(): Promise<{ code: number | null; stdout: string; stderr: string }> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [join(__dirname, '../../scripts/demo.mjs'), '--json', '--no-build'], {
			cwd: join(__dirname, '../..'),
			env: { ...process.env, NODE_ENV: 'production' },
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		const timer = setTimeout(() => child.kill('SIGTERM'), BUDGET_MS - 5000);
		child.on('error', reject);
		child.on('exit', (code) => {
			clearTimeout(timer);
			resolve({ code, stdout, stderr });
		});
	});
}

test(
	'npm run demo forwards to all eight ad platforms, drops every replay, rejects the broken postback and pays through PayPal',
	async () => {
		const started = Date.now();
		const { code, stdout, stderr } = await runDemo();
		if (code !== 0) throw new Error(`demo exited with ${code}\n--- stderr ---\n${stderr.slice(-4000)}\n--- stdout ---\n${stdout.slice(-2000)}`);
		expect(Date.now() - started).toBeLessThan(BUDGET_MS);

		const lines = stdout.trim().split('\n');
		const summary = JSON.parse(lines[lines.length - 1]) as DemoSummary;
		// The human summary comes first, on the same stdout.
		expect(stdout).toContain('Forwarded to the ad platforms');

		expect(summary.forwarded.meta).toBeGreaterThan(0);
		expect(summary.forwarded.tiktok).toBeGreaterThan(0);
		expect(summary.forwarded.googleAds).toBeGreaterThan(0);
		// The five platforms after them take the same conversions, each by its own rules.
		for (const platform of ['ga4', 'snapchat', 'pinterest', 'reddit', 'microsoft'] as const)
			expect({ platform, forwarded: summary.forwarded[platform] > 0 }).toEqual({ platform, forwarded: true });
		// Replays never reach a platform twice: the funnel drops them before the destination nodes.
		expect(summary.platformDuplicates).toEqual({ meta: 0, tiktok: 0 });
		expect(summary.duplicates).toBeGreaterThanOrEqual(summary.sent.replays);
		expect(summary.sent.replays).toBeGreaterThan(0);

		expect(summary.rejected).toBe(1);
		expect(summary.badPostbackAnswers).toEqual([expect.objectContaining({ status: 400 })]);
		expect(summary.funnel.reversal).toBe(summary.sent.reversals);

		expect(summary.paypalBatches).toBe(1);
		expect(summary.payouts.length).toBeGreaterThan(0);
		for (const payout of summary.payouts) expect(Number(payout.amount)).toBeGreaterThanOrEqual(50);
		expect(summary.payoutRun.filter((report) => report.outcome === 'submitted')).toHaveLength(summary.payouts.length);
		expect(summary.ledger.length).toBeGreaterThan(0);
		// The conversion log template ships closed: the demo creates its Basic Auth login, and the page answers 401
		// without it and the page with it.
		expect(summary.conversionLogPage).toEqual({ withoutLogin: 401, withLogin: 200, listsConversions: true });
		// Without --keep the demo stops its n8n before the summary: it says so and prints no URL or login of it.
		expect(stdout).toMatch(/n8n has been stopped/);
		expect(stdout).not.toMatch(/log in as|http:\/\/127\.0\.0\.1:\d+/);
	},
	BUDGET_MS,
);
