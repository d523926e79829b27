import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { META_FAKE_PIXEL, META_FAKE_TOKEN, type MetaFake, type MetaFault, startMetaFake } from '../fakes/meta';
import type { RecordedRequest } from '../fakes/server';
import { DEFAULT_RETRY_POLICY } from '../../src/http/retry';
import { baseUrl, n8nFetch, publicApi, startWorkflow, uniqueId } from './n8n-api';
import { ExecutionReader, FUNNEL, Markers, NOOP, TRIGGER, healthy, mapLimit, node, seeded } from './reliability-shared';

/**
 * 320 conversions through Postback Trigger → Conversion Funnel → Meta Conversions API in the real n8n, while the
 * strict Meta fake injects faults in a seeded random pattern on ~30 % of its requests: throttling (429, and
 * Meta's own 400 + code 4), 5xx, and timeouts (the fake holds the answer past the node's 30 s HTTP timeout,
 * mostly after recording the events, as when Meta did the work and the answer got lost).
 *
 * Nothing lost: every conversion is either kept by Meta (the fake's dedup records) or on the node's Failed output
 * with an outcome and a reason. Nothing doubled: Meta keeps each event_id once; the duplicates it saw are only
 * retries of timed-out requests, dropped by event_id.
 *
 * Then the PII scan: the postbacks carried unhashed emails, phones and names; none of them appears in n8n's log
 * (the child process output, <user folder>/n8n.log) or in any request the fake received.
 */
const SEED = 7;
const CONVERSIONS = 320;
const FAULT_RATE = 0.33;
/** The node's HTTP timeout is fixed at 30 s (nodes/shared/forward-items.ts); the fake holds a "timeout" longer. */
const HANG_MS = 33_000;
const MAX_HANGS = 6;

const run = uniqueId('ft').replace(/[^A-Za-z0-9]/g, '');
const markers = new Markers(run);
const path = `rel-faults-${run}`;
let meta: MetaFake;
let workflowId: string;

/** Unique, recognisable user data per conversion (the PII the scan looks for). */
function person(index: number) {
	const national = `${650 + (index % 300)}${String(5_550_000 + ((index * 7919 + run.length * 31) % 10_000)).padStart(7, '0')}`;
	return {
		email: `buyer.${run.toLowerCase()}.${index}@example.org`,
		phone: `+1 (${national.slice(0, 3)}) ${national.slice(3, 6)}-${national.slice(6)}`,
		digits: `1${national}`,
		firstName: 'Quentin',
		lastName: `Zyxw${run}${index}`,
	};
}

beforeAll(async () => {
	meta = await startMetaFake();
	const credential = await publicApi<{ id: string; name: string }>('POST', '/credentials', {
		name: `E2E reliability Meta (fake) ${run}`,
		type: 'metaConversionsApi',
		data: { accessToken: META_FAKE_TOKEN, apiVersion: 'v26.0', baseUrl: meta.url },
	});
	const nodes = [
		node('Postback', TRIGGER, 1, { network: 'custom', path, options: { currency: 'USD' } }, [0, 0], { webhookId: randomUUID() }),
		node('Funnel', FUNNEL, 1, { attributionWindow: '30d', forwardUnattributed: true }, [300, 0]),
		node('Meta', 'n8n-nodes-postback.metaConversions', 1, { pixelId: META_FAKE_PIXEL, actionSource: 'system_generated', valueFrom: 'commission' }, [600, 0], {
			credentials: { metaConversionsApi: credential },
		}),
		node('Rejected', NOOP, 1, {}, [300, 300]),
		node('Not Forwarded', NOOP, 1, {}, [600, 300]),
		node('Not Sent', NOOP, 1, {}, [900, 100]),
	];
	const toMeta = [{ node: 'Meta', type: 'main', index: 0 }];
	const notForwarded = [{ node: 'Not Forwarded', type: 'main', index: 0 }];
	const connections = {
		Postback: { main: [[{ node: 'Funnel', type: 'main', index: 0 }], [{ node: 'Rejected', type: 'main', index: 0 }]] },
		// Lead, Purchase, Other Event → Meta; reversal, pending, rejected, duplicate, unattributed → Not Forwarded.
		Funnel: { main: [toMeta, toMeta, toMeta, notForwarded, notForwarded, notForwarded, notForwarded, notForwarded] },
		Meta: { main: [[], [{ node: 'Not Sent', type: 'main', index: 0 }]] },
	};
	workflowId = await startWorkflow({ name: `E2E reliability: Meta faults ${run}`, nodes, connections, settings: { executionOrder: 'v1' } }, [path]);
});

afterAll(async () => {
	await meta?.close();
});

const eventIdsOf = (request: RecordedRequest): string[] =>
	((request.body as { data?: Array<{ event_id?: string }> } | undefined)?.data ?? []).map((event) => event.event_id).filter(Boolean) as string[];

test('320 conversions through Funnel → Meta with ~30 % throttling, 5xx and timeouts: nothing lost, nothing doubled; no PII outside the workflow', async () => {
	const random = seeded(SEED);
	const eventIdsSeen = new Set<string>();
	const hangs: Array<{ index: number; processed: boolean; eventIds: string[] }> = [];
	const kinds: Record<string, number> = {};
	meta.injectFaults((request, index) => {
		const ids = eventIdsOf(request);
		const firstSight = ids.every((id) => !eventIdsSeen.has(id));
		ids.forEach((id) => eventIdsSeen.add(id));
		if (random() >= FAULT_RATE) return undefined;
		const pick = random();
		let kind: string;
		let fault: MetaFault;
		// A timeout only on an event's first request (each costs the node's full 30 s; a chain of them would not fit).
		if (pick < 0.12 && firstSight && hangs.length < MAX_HANGS) {
			const processed = hangs.length % 3 !== 2;
			hangs.push({ index, processed, eventIds: ids });
			kind = processed ? 'timeout after Meta kept the events' : 'timeout before Meta read the request';
			fault = { hangMs: HANG_MS, processFirst: processed };
		} else if (pick < 0.45) {
			kind = '429 code 4';
			fault = { status: 429, code: 4, ...(random() < 0.3 ? { retryAfterSeconds: 1 } : {}) };
		} else if (pick < 0.6) {
			kind = '400 code 4 (Meta throttling)';
			fault = { status: 400, code: 4 };
		} else if (pick < 0.85) {
			kind = '500';
			fault = { status: 500 };
		} else {
			kind = '503';
			fault = { status: 503 };
		}
		kinds[kind] = (kinds[kind] ?? 0) + 1;
		return fault;
	});

	const people = Array.from({ length: CONVERSIONS }, (_, index) => person(index));
	const transactions = people.map((_, index) => `ft-${run}-${index}`);
	const answers: number[] = [];
	const started = Date.now();
	await mapLimit(people, 8, async (who, index) => {
		const query = new URLSearchParams({
			click_id: `clk${run}${index}`,
			// Every fifth is a Lead (commission 0), the rest Purchases.
			commission: index % 5 === 0 ? '0' : `${(index % 40) + 1}.50`,
			currency: 'USD',
			transaction_id: transactions[index],
			email: who.email,
			phone: who.phone,
			name: `${who.firstName} ${who.lastName}`,
			rel_marker: markers.make(),
		});
		const response = await n8nFetch(`${baseUrl()}/webhook/${path}?${query}`);
		answers[index] = response.status;
		await response.text();
	});
	expect(answers.filter((status) => status === 200)).toHaveLength(CONVERSIONS);

	// Every conversion comes out of the Meta node, on Sent or on Failed (the timeouts take the node's full 30 s).
	const reader = new ExecutionReader(workflowId, markers);
	const sightings = await reader.waitUntil(
		(found) => [...found.values()].filter((list) => list.some((sighting) => sighting.node === 'Meta')).length >= CONVERSIONS,
		110_000,
	);
	const elapsed = (Date.now() - started) / 1000;
	meta.injectFaults(undefined);

	const onMeta = new Map<string, { output: number; forward: Record<string, unknown> }>();
	for (const execution of reader.executions()) {
		const runs = (execution.data?.resultData?.runData ?? {}) as Record<
			string,
			Array<{ data?: { main?: Array<Array<{ json: Record<string, unknown> }> | null> } }>
		>;
		(runs.Meta?.[0]?.data?.main ?? []).forEach((items, output) => {
			for (const item of items ?? []) {
				const tx = String(item.json.transactionId);
				if (onMeta.has(tx)) throw new Error(`${tx} came out of the Meta node twice`);
				onMeta.set(tx, { output, forward: item.json.forward as Record<string, unknown> });
			}
		});
		expect(execution.status).toBe('success');
	}
	expect(sightings.size).toBe(CONVERSIONS);

	const keptByMeta = new Map<string, number>();
	for (const entry of meta.events) {
		const id = String(entry.event.event_id);
		keptByMeta.set(id, (keptByMeta.get(id) ?? 0) + 1);
	}
	// Nothing doubled at Meta: each event_id kept once.
	expect([...keptByMeta.values()].filter((count) => count > 1)).toEqual([]);

	let sent = 0;
	let failed = 0;
	let failedButKept = 0;
	let gaveUp = 0;
	const lost: string[] = [];
	const failures: Record<string, number> = {};
	for (const tx of transactions) {
		const result = onMeta.get(tx);
		if (!result) {
			lost.push(`${tx}: never came out of the Meta node`);
			continue;
		}
		const eventId = String(result.forward.eventId ?? '');
		if (result.output === 0) {
			sent += 1;
			expect(result.forward.outcome).toBe('sent');
			if (keptByMeta.get(eventId) !== 1) lost.push(`${tx}: on Sent but Meta kept event ${eventId} ${keptByMeta.get(eventId) ?? 0} times`);
		} else {
			failed += 1;
			expect(['retry', 'retry_later', 'failed']).toContain(result.forward.outcome);
			expect(String(result.forward.reason ?? '')).not.toBe('');
			const reason = String(result.forward.reason);
			if (/gave up after \d+ attempts/.test(reason)) gaveUp += 1;
			const kind = `${String(result.forward.outcome)}: ${reason
				.replace(/fbtrace_id \w+/g, 'fbtrace_id …')
				.replace(/\d+/g, 'N')
				.slice(0, 110)}`;
			failures[kind] = (failures[kind] ?? 0) + 1;
			// Reported failed, yet Meta may hold it: a timed-out request Meta had processed. Not lost, not doubled.
			if (keptByMeta.has(eventId)) failedButKept += 1;
		}
	}
	expect(lost).toEqual([]);
	expect(sent + failed).toBe(CONVERSIONS);

	// Duplicates Meta saw come only from retries of timed-out requests it had processed, and were dropped by event_id.
	const processedHangIds = new Set(hangs.filter((hang) => hang.processed).flatMap((hang) => hang.eventIds));
	const duplicateIds = meta.duplicates.map((entry) => String(entry.event.event_id));
	expect(duplicateIds.filter((id) => !processedHangIds.has(id))).toEqual([]);
	expect(new Set(duplicateIds).size).toBe(duplicateIds.length);

	const eventRequests = meta.requests.filter((request) => request.method === 'POST' && /\/events\/?$/.test(request.path));
	const retries = eventRequests.length - new Set(eventRequests.flatMap(eventIdsOf)).size;
	// Every timed-out request was sent again (the node gave up waiting and retried).
	for (const hang of hangs) {
		const later = eventRequests.filter((request) => eventIdsOf(request).some((id) => hang.eventIds.includes(id)));
		expect(later.length).toBeGreaterThanOrEqual(2);
	}
	process.stderr.write(
		`\n[reliability-faults] ${CONVERSIONS} conversions in ${elapsed.toFixed(1)} s; Meta requests ${eventRequests.length} (retries ${retries}), faults injected ${meta.injected.length} ` +
			`(${((meta.injected.length / eventRequests.length) * 100).toFixed(1)} %): ${JSON.stringify(kinds)}; timeouts ${hangs.length} (${hangs.filter((h) => h.processed).length} after Meta kept the events)\n` +
			`  Sent ${sent}, Failed ${failed} (gave up after ${DEFAULT_RETRY_POLICY.maxAttempts} attempts: ${gaveUp}; of the failed, kept by Meta anyway: ${failedButKept}); Meta kept ${meta.events.length} events, dropped ${meta.duplicates.length} duplicates (all retries of timed-out requests)\n` +
			`  failure reasons: ${JSON.stringify(failures)}\n`,
	);
	expect(meta.injected.length / eventRequests.length).toBeGreaterThan(0.2);
	expect(hangs.length).toBeGreaterThan(0);
	// Meta kept exactly the events that went out on Sent, plus failed ones whose timed-out request it had processed.
	expect(meta.events.length).toBe(sent + failedButKept);
	expect(await healthy()).toBe(true);

	// ---- PII scan: no unhashed email, phone or name outside the n8n execution data ----
	const separators = '[\\s().+\\-/]*';
	const phonePatterns = people.map((who) => new RegExp(who.digits.slice(1).split('').join(separators)));
	const emailPattern = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
	const scan = (where: string, text: string): string[] => {
		const found: string[] = [];
		for (const email of text.match(emailPattern) ?? []) found.push(`${where}: email ${email}`);
		people.forEach((who, index) => {
			if (phonePatterns[index].test(text)) found.push(`${where}: phone of conversion ${index}`);
			if (text.includes(who.lastName)) found.push(`${where}: last name of conversion ${index}`);
		});
		return found;
	};
	const leaks: string[] = [];
	// Every request the fake received: URL, headers and body as sent.
	meta.requests.forEach((request, index) =>
		leaks.push(...scan(`Meta request ${index}`, `${request.url}\n${JSON.stringify(request.headers)}\n${request.rawBody}`)),
	);
	// n8n's log: the whole output of the n8n process (scripts/lib/n8n.mjs writes it to <user folder>/n8n.log).
	const logFile = join(process.env.E2E_N8N_USER_FOLDER ?? '', 'n8n.log');
	const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
	const ownEmails = new Set(people.map((who) => who.email));
	leaks.push(...scan('n8n log', log).filter((leak) => !leak.includes('email') || [...ownEmails].some((email) => leak.endsWith(email))));
	process.stderr.write(
		`  PII scan: ${meta.requests.length} Meta requests and ${log.length} bytes of n8n log (${logFile}) searched for ${people.length} emails, phones and names: ${leaks.length} found\n`,
	);
	expect(leaks).toEqual([]);
	// The scan can see: the same values are in the execution data, where the workflow legitimately holds them.
	expect(scan('execution data', JSON.stringify(reader.executions()[0]?.data ?? {})).length).toBeGreaterThan(0);
});
