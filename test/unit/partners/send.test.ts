import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPartnerPostback, partnerDedupKey, postbackToPartner, sendPartnerPostback } from '../../../src/partners';
import { type TrackingStore, openStore } from '../../../src/store';
import { answer, funnelLikeItem, hangUp, realDependencies, startPartnerServer } from './helpers';

type Server = Awaited<ReturnType<typeof startPartnerServer>>;
let server: Server | undefined;
afterEach(async () => {
	await server?.close();
	server = undefined;
});

const templateFor = (url: string) => `${url}/pb?cid={click_id}&txid={transaction_id}`;
const withKey = (url: string) => `${templateFor(url)}&key={api_key}`;
const SECRET = 'sk_live_0123456789';

describe('sending with retries against a real HTTP server', () => {
	it('503 then 200: retried with backoff, sent on the second attempt', async () => {
		server = await startPartnerServer([answer(503, 'busy'), answer(200, 'OK conversion recorded')]);
		const deps = realDependencies();
		const result = await postbackToPartner('custom', funnelLikeItem(), deps, { template: withKey(server.url), values: { api_key: SECRET } });
		expect(result).toMatchObject({ status: 'sent', httpStatus: 200, attempts: 2, responseExcerpt: 'OK conversion recorded', method: 'GET' });
		expect(server.calls).toHaveLength(2);
		expect(server.calls[0].url).toBe(`/pb?cid=clk_01hx8k2m3n&txid=TX-1001&key=${SECRET}`);
		// Full jitter at random() = 0.5 of the first 500 ms step.
		expect(deps.waits).toEqual([250]);
		expect(result.url).toBe(`${server.url}/pb?cid=clk_01hx8k2m3n&txid=TX-1001&key=REDACTED`);
		expect(JSON.stringify(result)).not.toContain(SECRET);
	});

	it('429 with Retry-After: waits what the partner asks', async () => {
		server = await startPartnerServer([answer(429, 'slow down', { 'retry-after': '3' }), answer(204)]);
		const deps = realDependencies();
		const result = await postbackToPartner('custom', funnelLikeItem(), deps, { template: templateFor(server.url) });
		expect(result).toMatchObject({ status: 'sent', httpStatus: 204, attempts: 2 });
		expect(deps.waits).toEqual([3000]);
	});

	it('a 400 is not retried; the excerpt is the first 500 characters, secrets removed', async () => {
		server = await startPartnerServer([answer(400, `invalid cid for key ${SECRET} ${'x'.repeat(1000)}`)]);
		const deps = realDependencies();
		const result = await postbackToPartner('custom', funnelLikeItem(), deps, { template: withKey(server.url), values: { api_key: SECRET } });
		expect(result).toMatchObject({ status: 'failed', httpStatus: 400, attempts: 1, retryable: false });
		expect(result.reason).toMatch(/HTTP 400.*not retried/);
		expect(result.responseExcerpt).toHaveLength(500);
		expect(result.responseExcerpt!.startsWith('invalid cid for key REDACTED ')).toBe(true);
		expect(server.calls).toHaveLength(1);
		expect(deps.waits).toEqual([]);
	});

	it('a dropped connection (network error) is retried', async () => {
		server = await startPartnerServer([hangUp, answer(200, 'ok')]);
		const deps = realDependencies();
		const result = await postbackToPartner('custom', funnelLikeItem(), deps, { template: templateFor(server.url) });
		expect(result).toMatchObject({ status: 'sent', httpStatus: 200, attempts: 2 });
		expect(server.calls).toHaveLength(2);
	});

	it('a closed server: every attempt fails, the result says it may be retried later', async () => {
		server = await startPartnerServer([answer(200)]);
		const url = server.url;
		await server.close();
		server = undefined;
		const deps = realDependencies();
		const result = await postbackToPartner('custom', funnelLikeItem(), deps, { template: templateFor(url), retry: { maxAttempts: 3 } });
		expect(result).toMatchObject({ status: 'failed', attempts: 3, retryable: true });
		expect(result.httpStatus).toBeUndefined();
		expect(result.reason).toMatch(/^No answer from the partner: .*\(gave up after 3 attempts\)$/);
		expect(deps.waits).toEqual([250, 500]);
	});

	it('5xx until the last attempt: failed and retryable', async () => {
		server = await startPartnerServer([answer(502, 'bad gateway')]);
		const result = await postbackToPartner('custom', funnelLikeItem(), realDependencies(), { template: templateFor(server.url) });
		expect(result).toMatchObject({ status: 'failed', httpStatus: 502, attempts: 4, retryable: true, responseExcerpt: 'bad gateway' });
		expect(server.calls).toHaveLength(4);
	});

	it('POST form and JSON arrive with the values in the body', async () => {
		server = await startPartnerServer([answer(200, 'ok')]);
		const item = funnelLikeItem();
		const form = await postbackToPartner('custom', item, realDependencies(), {
			template: `${server.url}/pb?cid={click_id}&note={note}`,
			values: { note: 'a&b 🎉' },
			method: 'POST_FORM',
		});
		const json = await postbackToPartner('custom', item, realDependencies(), {
			template: `${server.url}/pb?cid={click_id}&note={note}`,
			values: { note: 'a&b 🎉' },
			method: 'POST_JSON',
		});
		expect([form.status, json.status]).toEqual(['sent', 'sent']);
		const [formCall, jsonCall] = server.calls;
		expect(formCall).toMatchObject({ method: 'POST', url: '/pb' });
		expect(formCall.headers['content-type']).toBe('application/x-www-form-urlencoded');
		expect(Object.fromEntries(new URLSearchParams(formCall.body))).toEqual({ cid: 'clk_01hx8k2m3n', note: 'a&b 🎉' });
		expect(jsonCall.headers['content-type']).toBe('application/json');
		expect(JSON.parse(jsonCall.body)).toEqual({ cid: 'clk_01hx8k2m3n', note: 'a&b 🎉' });
	});
});

describe('dedup through a real SQLite tracking store', () => {
	let folder: string;
	let store: TrackingStore;
	beforeAll(async () => {
		folder = mkdtempSync(join(tmpdir(), 'partner-postback-'));
		store = await openStore({ kind: 'sqlite', path: join(folder, 'tracking.sqlite') });
	});
	afterAll(async () => {
		await store.close();
		rmSync(folder, { recursive: true, force: true });
	});

	it('the key: target, transaction id (else conversion id), event#status; none without an id', () => {
		expect(partnerDedupKey('voluum', funnelLikeItem())).toEqual({ network: 'postback:voluum', transactionId: 'TX-1001', eventName: 'Purchase#approved' });
		expect(partnerDedupKey('voluum', funnelLikeItem({ transactionId: null }))).toEqual({
			network: 'postback:voluum',
			transactionId: 'cv_abc123',
			eventName: 'Purchase#approved',
		});
		expect(partnerDedupKey('voluum', funnelLikeItem({ transactionId: ' ', conversionId: null }))).toBeUndefined();
	});

	it('a replayed conversion sends nothing; a status change sends again', async () => {
		server = await startPartnerServer([answer(200, 'ok')]);
		const item = funnelLikeItem({ transactionId: 'DEDUP-1' });
		const options = { template: templateFor(server.url), dedup: { store } };
		const first = await postbackToPartner('custom', item, realDependencies(), options);
		expect(first).toMatchObject({
			status: 'sent',
			dedup: { status: 'first', key: { network: 'postback:custom', transactionId: 'DEDUP-1', eventName: 'Purchase#approved' } },
		});
		const replay = await postbackToPartner('custom', item, realDependencies(), options);
		expect(replay).toMatchObject({ status: 'duplicate', attempts: 0, dedup: { status: 'duplicate' } });
		expect(replay.reason).toMatch(/already sent/);
		expect(server.calls).toHaveLength(1);

		const reversed = await postbackToPartner('custom', { ...item, status: 'reversed' }, realDependencies(), options);
		expect(reversed.status).toBe('sent');
		// Another partner (target) is another key.
		const other = await postbackToPartner('custom', item, realDependencies(), { ...options, dedup: { store, target: 'second-partner' } });
		expect(other.status).toBe('sent');
		expect(server.calls).toHaveLength(3);
	});

	it('a failed send releases its claim: running it again sends it, once', async () => {
		server = await startPartnerServer([answer(500, 'down'), answer(500, 'down'), answer(200, 'ok')]);
		const item = funnelLikeItem({ transactionId: 'DEDUP-2' });
		const options = { template: templateFor(server.url), dedup: { store }, retry: { maxAttempts: 2 } };
		const failed = await postbackToPartner('custom', item, realDependencies(), options);
		expect(failed).toMatchObject({ status: 'failed', attempts: 2, retryable: true, dedup: { status: 'first' } });
		const retried = await postbackToPartner('custom', item, realDependencies(), options);
		expect(retried).toMatchObject({ status: 'sent', attempts: 1 });
		const replay = await postbackToPartner('custom', item, realDependencies(), options);
		expect(replay.status).toBe('duplicate');
		expect(replay.inFlight).toBeUndefined();
		expect(server.calls).toHaveLength(3);
	});

	it('a 4xx failure also releases (the operator may fix the partner side and re-run)', async () => {
		server = await startPartnerServer([answer(403, 'no'), answer(200, 'ok')]);
		const item = funnelLikeItem({ transactionId: 'DEDUP-3' });
		const options = { template: templateFor(server.url), dedup: { store } };
		expect((await postbackToPartner('custom', item, realDependencies(), options)).status).toBe('failed');
		expect((await postbackToPartner('custom', item, realDependencies(), options)).status).toBe('sent');
	});

	it('a send in flight (claim held by another execution) is a duplicate, not sent', async () => {
		server = await startPartnerServer([answer(200, 'ok')]);
		const item = funnelLikeItem({ transactionId: 'DEDUP-4' });
		const key = partnerDedupKey('custom', item)!;
		const held = await store.claimConversionDetailed(key, { leaseMs: 60_000 });
		expect(held.result).toBe('first');
		const postback = buildPartnerPostback('custom', item, { template: templateFor(server.url) });
		const result = await sendPartnerPostback(postback, realDependencies(), { dedup: { store, key, leaseMs: 90_000 } });
		expect(result.status).toBe('duplicate');
		expect(result.reason).toMatch(/Another execution is sending/);
		// The redelivery outbox reads this: the other send may still fail, so the entry is retried, not settled sent,
		// once the holder's claim can be taken over (its claim time plus this send's lease).
		expect(result.inFlight).toBe(true);
		expect(Date.parse(result.inFlightUntil!)).toBe(Date.parse(held.claimedAt!) + 90_000);
		expect(server.calls).toHaveLength(0);
		await store.releaseClaim(key, { token: held.token! });
	});

	it('an item without any id is sent, and says it cannot be deduplicated', async () => {
		server = await startPartnerServer([answer(200, 'ok')]);
		const result = await postbackToPartner('custom', funnelLikeItem({ transactionId: null, conversionId: null }), realDependencies(), {
			template: templateFor(server.url),
			dedup: { store },
		});
		expect(result).toMatchObject({ status: 'sent', dedup: { status: 'not-deduplicated' } });
	});

	it('a send that throws releases the claim and rethrows', async () => {
		const item = funnelLikeItem({ transactionId: 'DEDUP-5' });
		const key = partnerDedupKey('custom', item)!;
		const postback = buildPartnerPostback('custom', item, { template: 'https://p.test/pb?c={click_id}' });
		// An unexpected failure outside the HTTP call (here the sleep between attempts).
		const boom = {
			send: async () => ({ status: 503, headers: {}, body: '' }),
			sleep: async () => {
				throw new Error('sleep broke');
			},
		};
		await expect(sendPartnerPostback(postback, boom, { dedup: { store, key } })).rejects.toThrow('sleep broke');
		const again = await store.claimConversionDetailed(key, { leaseMs: 60_000 });
		expect(again).toMatchObject({ result: 'first', state: 'taken-over' });
		await store.completeClaim(key, { token: again.token! });
	});
});
