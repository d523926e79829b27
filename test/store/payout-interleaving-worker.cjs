// A child process of payout-interleavings.test.ts: runs Pay or Sync on the engine transpiled by compile-src.cjs,
// against the store and the provider fake the parent names, one command at a time. A command may ask it to die
// (SIGKILL, nothing flushed, no lock released) at a provider call boundary: just before its n-th HTTP request
// leaves ('before': the provider never sees it) or just after the n-th answer came back ('after': the provider
// acted, the engine never hears of it). Argument: one JSON object with buildDir.
'use strict';

const { join } = require('node:path');

const task = JSON.parse(process.argv[2]);
const { openStore } = require(join(task.buildDir, 'src', 'store'));
const { payDuePayouts, syncPayouts } = require(join(task.buildDir, 'src', 'payouts'));

let store;
let storeKey;

async function storeFor(config) {
	const key = JSON.stringify(config);
	if (key !== storeKey) {
		if (store) await store.close();
		store = undefined;
		store = await openStore(config);
		storeKey = key;
	}
	return store;
}

function die() {
	process.kill(process.pid, 'SIGKILL');
	return new Promise(() => {});
}

async function run(command) {
	let calls = 0;
	const context = {
		store: await storeFor(command.storeConfig),
		provider: command.provider,
		config: command.providerConfig,
		deps: {
			now: () => new Date(command.asOf),
			sleep: async () => {},
			retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
			send: async (request) => {
				calls += 1;
				const crash = command.crash;
				if (crash && crash.call === calls && crash.when === 'before') await die();
				const response = await fetch(request.url, {
					method: request.method,
					headers: request.headers,
					body: request.body,
					signal: AbortSignal.timeout(20_000),
				});
				const text = await response.text();
				if (crash && crash.call === calls && crash.when === 'after') await die();
				let body = text;
				try {
					body = text ? JSON.parse(text) : '';
				} catch {
					// not JSON
				}
				return { status: response.status, headers: Object.fromEntries(response.headers.entries()), body };
			},
		},
	};
	const reports =
		command.op === 'pay'
			? (
					await payDuePayouts(context, {
						rules: command.rules,
						asOf: new Date(command.asOf),
						receivers: new Map(command.receivers),
						resumeAfterMs: 0,
						runLeaseMs: command.runLeaseMs,
					})
				).reports
			: await syncPayouts(context);
	return { calls, reports: reports.map((report) => ({ affiliateId: report.affiliateId, outcome: report.outcome, code: report.code, amount: report.amount })) };
}

process.on('message', (command) => {
	if (command.type === 'close') {
		Promise.resolve(store && store.close()).finally(() => process.disconnect());
		return;
	}
	run(command).then(
		(result) => process.send({ type: 'done', id: command.id, ...result }),
		(error) => process.send({ type: 'error', id: command.id, message: String(error && error.stack ? error.stack : error) }),
	);
});
process.send({ type: 'ready' });
