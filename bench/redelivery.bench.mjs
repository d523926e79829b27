// Redelivery throughput (issue 16): N conversions due again in the outbox (default 10,000), drained the way the
// Redelivery Trigger and a Meta node do it, without n8n: claim a poll's worth (1,000, the store's largest claim),
// plan and send them to Meta through sendToPlatform (an in-process Meta that accepts every event, so the figure
// is ours, not the network's), settle each entry. Reports events/s and the Meta calls used: batching applies, so
// ⌈N/1000⌉ calls. Every entry must end sent exactly once, or the bench fails. SQLite always; PostgreSQL when a
// server is reachable or startable (PGHOST…, as bench/dedup.bench.mjs). Knobs: BENCH_REDELIVERIES (10000).
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emit, round } from './lib/emit.mjs';

const require = createRequire(import.meta.url);
const { compileSources } = require('../test/store/compile-src.cjs');

const COUNT = Number(process.env.BENCH_REDELIVERIES || 10_000);
const POLL_LIMIT = 1000;

const buildDir = compileSources();
const { openStore } = require(join(buildDir, 'src', 'store'));
const { sendToPlatform } = require(join(buildDir, 'src', 'destinations'));
const { pollRedeliveries } = require(join(buildDir, 'src', 'destinations', 'redelivery-poll'));
const { settleAttempts } = require(join(buildDir, 'src', 'destinations', 'forward', 'outbox'));
const { forwardOf } = require(join(buildDir, 'src', 'destinations', 'forward', 'outcomes'));
const { ensurePostgres, createTestSchemaName, dropSchemas } = require(join(buildDir, 'test', 'store', 'postgres-server.js'));

const META = { pixelId: '1234567890123456', accessToken: 'bench-token', baseUrl: 'http://meta.invalid' };

/** A funnel item as the Meta node would have stored it in the outbox. */
function funnelItem(index, occurredAt) {
	return {
		conversionId: `bench:tx-${index}`,
		network: 'custom',
		transactionId: `tx-${index}`,
		clickId: `clk_${index}`,
		eventName: 'Purchase',
		destinationEvents: { meta: 'Purchase' },
		status: 'approved',
		commission: `${(index % 40) + 1}.50`,
		amount: `${(index % 300) + 10}.00`,
		currency: 'USD',
		occurredAt,
		user: { email: `buyer${index}@example.com`, phone: `+1650555${String(index % 10_000).padStart(4, '0')}` },
		click: {
			clickId: `clk_${index}`,
			clickedAt: occurredAt,
			fbclid: `IwAR${index}`,
			ip: '203.0.113.7',
			userAgent: 'Mozilla/5.0 (bench)',
			landingUrl: 'https://blog.example.com/offer',
		},
	};
}

async function drain(config) {
	const store = await openStore(config);
	try {
		const occurredAt = new Date(Date.now() - 60 * 60 * 1000).toISOString();
		const due = new Date(Date.now() - 1000).toISOString();
		for (let start = 0; start < COUNT; start += 1000) {
			const entries = [];
			for (let index = start; index < Math.min(COUNT, start + 1000); index++) {
				entries.push({ conversionId: `bench:tx-${index}`, destination: 'meta', item: funnelItem(index, occurredAt), dueAt: due });
			}
			await store.enqueueDeliveries(entries);
		}

		let metaCalls = 0;
		let metaEvents = 0;
		const send = async (request) => {
			metaCalls++;
			const count = request.body.data.length;
			metaEvents += count;
			return { status: 200, headers: {}, body: { events_received: count, messages: [], fbtrace_id: `bench${metaCalls}` } };
		};
		const started = process.hrtime.bigint();
		let polls = 0;
		for (;;) {
			const now = new Date();
			const { due: items } = await pollRedeliveries(store, now, { limit: POLL_LIMIT, leaseMs: 10 * 60 * 1000, destinations: ['meta'] });
			if (items.length === 0) break;
			polls++;
			const results = await sendToPlatform('meta', items, META, { send, sleep: async () => undefined, now: () => now });
			const forwards = results.map((result, itemIndex) => ({ itemIndex, forward: forwardOf('meta', result) }));
			await settleAttempts(
				store,
				'meta',
				items.map((json, itemIndex) => ({ itemIndex, json })),
				forwards,
				new Set(),
				now,
			);
		}
		const seconds = Number(process.hrtime.bigint() - started) / 1e9;
		const sent = await countStates(store);
		if (sent.sent !== COUNT || metaEvents !== COUNT) {
			throw new Error(`expected ${COUNT} sent once; outbox ${JSON.stringify(sent)}, Meta received ${metaEvents} events`);
		}
		return { seconds, eventsPerSecond: COUNT / seconds, metaCalls, expectedCalls: Math.ceil(COUNT / 1000), polls };
	} finally {
		await store.close();
	}
}

/** Every entry's state, read back by conversion id in pages of 1,000. */
async function countStates(store) {
	const counts = { pending: 0, sent: 0, failed: 0, gave_up: 0 };
	for (let start = 0; start < COUNT; start += 1000) {
		const conversionIds = [];
		for (let index = start; index < Math.min(COUNT, start + 1000); index++) conversionIds.push(`bench:tx-${index}`);
		for (const entry of await store.listOutbox({ conversionIds, limit: 1000 })) counts[entry.state]++;
	}
	return counts;
}

const dir = mkdtempSync(join(tmpdir(), 'postback-bench-redelivery-'));
const figures = {};
try {
	figures.sqlite = await drain({ kind: 'sqlite', path: join(dir, 'bench.sqlite') });
} finally {
	rmSync(dir, { recursive: true, force: true });
}
let pgNote = '';
const server = await ensurePostgres('bench/redelivery.bench.mjs').catch((error) => {
	pgNote = error.message;
	return undefined;
});
if (server) {
	const schema = createTestSchemaName('bench');
	try {
		figures.postgres = await drain({ kind: 'postgres', connectionString: server.connectionString, schema });
	} finally {
		await dropSchemas(server.connectionString, [schema]).catch(() => undefined);
		await server.stop();
	}
}

const line = (name, f) =>
	f
		? `${name}: ${COUNT.toLocaleString('en-US')} due events in ${f.seconds.toFixed(2)} s = ${Math.round(f.eventsPerSecond).toLocaleString('en-US')} events/s; Meta calls ${f.metaCalls} (⌈N/1000⌉ = ${f.expectedCalls}), ${f.polls} polls`
		: `${name}: not measured${pgNote ? ` (${pgNote})` : ''}`;
console.log(line('SQLite', figures.sqlite));
console.log(line('PostgreSQL', figures.postgres));
emit('redelivery', {
	count: COUNT,
	sqlite: figures.sqlite && { ...figures.sqlite, eventsPerSecond: round(figures.sqlite.eventsPerSecond, 1), seconds: round(figures.sqlite.seconds) },
	postgres: figures.postgres && { ...figures.postgres, eventsPerSecond: round(figures.postgres.eventsPerSecond, 1), seconds: round(figures.postgres.seconds) },
});
