/**
 * The Postback Trigger keeps HMAC replay memory in the tracking store it is configured with (not a fixed
 * local file), so every process on that store refuses a replayed signature.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPLAY_NAMESPACE } from '../../src/auth';
import { closeSharedStores, openStore } from '../../src/store';
import { CollectNode, deliverPostback, removeN8nUserFolder } from './harness';

const HMAC_SECRET = 'hmac-secret-0123456789abcdef';
const root = mkdtempSync(join(tmpdir(), 'postback-replay-node-'));

beforeEach(() => {
	CollectNode.seen = [];
});

afterAll(async () => {
	await closeSharedStores();
	removeN8nUserFolder();
	rmSync(root, { recursive: true, force: true });
});

test('a timestamped signature is remembered in the configured store and refused the second time', async () => {
	const sqlitePath = join(root, 'pipeline.sqlite');
	const setup = {
		parameters: { network: 'custom', path: 'signed-replay', authentication: 'postbackAuthApi', store: 'sqlite', sqlitePath },
		credential: { method: 'hmac', hmacSecret: HMAC_SECRET, hmacTimestampHeader: 'X-Postback-Timestamp', hmacMaxAgeSeconds: 300 },
	};
	const body = Buffer.from('{"click_id":"clk-replay-1","transaction_id":"tx-replay-1","commission":"5.00"}', 'utf8');
	const timestamp = String(Math.floor(Date.now() / 1000));
	const signature = createHmac('sha256', HMAC_SECRET)
		.update(`${timestamp}.${body.toString('utf8')}`)
		.digest('hex');
	const call = {
		method: 'POST' as const,
		body,
		contentType: 'application/json',
		headers: { 'X-Postback-Signature': signature, 'X-Postback-Timestamp': timestamp },
	};

	const first = await deliverPostback(setup, call);
	expect(first.response.statusCode).toBe(200);
	expect(first.accepted).toHaveLength(1);

	const replay = await deliverPostback(setup, call);
	expect(replay.response.statusCode).toBe(401);
	expect(replay.rejected[0].json).toMatchObject({ reason: { code: 'unauthorized' } });

	// The memory is a lease in the store the node was pointed at, and it expires.
	const store = await openStore({ kind: 'sqlite', path: sqlitePath });
	try {
		const lease = await store.getLease(REPLAY_NAMESPACE, signature);
		expect(lease).toBeDefined();
		expect(Date.parse(lease!.expiresAt)).toBeGreaterThan(Date.now());
	} finally {
		await store.close();
	}
});
