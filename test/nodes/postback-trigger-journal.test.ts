/**
 * Resume If the Run Stops (issue 16) inside n8n-core: the Postback Trigger journals an accepted postback in its
 * tracking store before it answers, scoped to its workflow, and emits it with the journal's mark; a store it
 * cannot write to turns the answer into 503 (the network sends it again) while the run still goes on.
 */
import { INTAKE_DESTINATION, intakeMarkOf } from '../../src/destinations/intake-journal';
import { scopedOutbox } from '../../src/destinations/outbox-scope';
import { nodeClock } from '../../nodes/shared/clock';
import { SHAREASALE_CONVERSION_PAYLOAD } from '../fixtures/seed-payloads';
import { useTrackingStore } from './destination-helpers';
import { CollectNode, buildWorkflowData, deliverPostback } from './harness';

const db = useTrackingStore();
/** The harness's workflow id: the trigger's entries are in its scope. */
const WORKFLOW_ID = buildWorkflowData().id!;
const outbox = () => scopedOutbox(db.store(), WORKFLOW_ID);
const PAYLOAD: Record<string, string> = { ...SHAREASALE_CONVERSION_PAYLOAD };
const NOW = new Date('2026-12-07T12:00:00.000Z');
const realNow = nodeClock.now;

const trigger = (parameters: Record<string, unknown> = {}) => ({
	parameters: { network: 'shareasale', path: 'shareasale', store: 'sqlite', sqlitePath: db.path(), ...parameters },
});
/** The pending journal entries (those of earlier tests are settled before each test). */
const journaled = async () => await outbox().listOutbox({ destination: INTAKE_DESTINATION, states: ['pending'], limit: 1000 });

beforeAll(() => {
	nodeClock.now = () => new Date(NOW.getTime());
});
afterAll(() => {
	nodeClock.now = realNow;
});
beforeEach(async () => {
	CollectNode.seen = [];
	// Each test starts from an empty journal: what an earlier test left pending is settled.
	for (const entry of await journaled())
		await outbox().settleDelivery({ conversionId: entry.conversionId, destination: INTAKE_DESTINATION }, { state: 'sent' });
});

describe('Postback Trigger: Resume If the Run Stops', () => {
	it('on: journals one pending intake entry in the workflow’s scope, holding the accepted item with its mark, and emits that item', async () => {
		const saved = process.env.POSTBACK_REDELIVERY_GRACE_SECONDS;
		delete process.env.POSTBACK_REDELIVERY_GRACE_SECONDS;
		try {
			const result = await deliverPostback(trigger({ options: { resumeUnfinished: true } }), { method: 'GET', query: PAYLOAD });
			expect(result.response.statusCode).toBe(200);
			expect(result.response.body).toMatchObject({ ok: true, transactionId: '198198598' });
			expect(result.rejected).toEqual([]);
			expect(result.accepted).toHaveLength(1);
			const item = result.accepted[0].json;
			const mark = intakeMarkOf(item);
			expect(mark).toBeDefined();
			expect(item).toMatchObject({ network: 'shareasale', transactionId: '198198598', intake: { id: mark!.id } });
			// The marked item reached the node after the trigger.
			expect(result.downstream.accepted?.[0].json).toEqual(item);

			const pending = await journaled();
			expect(pending).toEqual([
				expect.objectContaining({
					conversionId: mark!.id,
					destination: INTAKE_DESTINATION,
					state: 'pending',
					attempts: 0,
					dueAt: new Date(NOW.getTime() + 10 * 60_000).toISOString(),
					item,
				}),
			]);
			// Stored under this workflow's scope: another workflow on the same store sees nothing.
			expect(await scopedOutbox(db.store(), 'another-workflow').listOutbox({ destination: INTAKE_DESTINATION })).toEqual([]);
			expect((await db.store().listOutbox({ conversionIds: [mark!.id] })).map((entry) => entry.destination)).toEqual([`${WORKFLOW_ID}/intake`]);
		} finally {
			if (saved === undefined) delete process.env.POSTBACK_REDELIVERY_GRACE_SECONDS;
			else process.env.POSTBACK_REDELIVERY_GRACE_SECONDS = saved;
		}
	});

	it('off (the default): writes nothing and emits the item without a mark', async () => {
		const result = await deliverPostback(trigger(), { method: 'GET', query: PAYLOAD });
		expect(result.response.statusCode).toBe(200);
		expect(result.accepted).toHaveLength(1);
		expect(result.accepted[0].json).not.toHaveProperty('intake');
		expect(await journaled()).toEqual([]);
		const explicitlyOff = await deliverPostback(trigger({ options: { resumeUnfinished: false } }), { method: 'GET', query: PAYLOAD });
		expect(explicitlyOff.accepted[0].json).not.toHaveProperty('intake');
		expect(await journaled()).toEqual([]);
	});

	it('a store that cannot be opened: 503 with a reason (no detail of the store), and the item still on Accepted, unmarked', async () => {
		const result = await deliverPostback(trigger({ sqlitePath: '/dev/null/cannot/tracking.sqlite', options: { resumeUnfinished: true } }), {
			method: 'GET',
			query: PAYLOAD,
		});
		expect(result.response.statusCode).toBe(503);
		expect(result.response.headers['content-type']).toMatch(/^application\/json/);
		expect(result.response.body).toEqual({ ok: false, error: { code: 'journal_unavailable', message: expect.stringMatching(/Send it again/) } });
		expect(result.response.text).not.toContain('/dev/null');
		expect(result.run?.status).toBe('success');
		expect(result.rejected).toEqual([]);
		expect(result.accepted).toHaveLength(1);
		expect(result.accepted[0].json).toMatchObject({ network: 'shareasale', transactionId: '198198598' });
		expect(result.accepted[0].json).not.toHaveProperty('intake');
		expect(result.downstream.accepted).toHaveLength(1);
	});

	it('a test postback (Test URL, manual mode) is not journaled: nothing would decide it if only the trigger listened', async () => {
		const result = await deliverPostback({ ...trigger({ options: { resumeUnfinished: true } }), mode: 'manual' }, { method: 'GET', query: PAYLOAD });
		expect(result.response.statusCode).toBe(200);
		expect(result.accepted).toHaveLength(1);
		expect(result.accepted[0].json).not.toHaveProperty('intake');
		expect(await journaled()).toEqual([]);
	});

	it('a rejected postback is not journaled', async () => {
		const { afftrack: _dropped, ...withoutClickId } = PAYLOAD;
		const result = await deliverPostback(trigger({ options: { resumeUnfinished: true } }), { method: 'GET', query: withoutClickId });
		expect(result.response.statusCode).toBe(400);
		expect(result.accepted).toEqual([]);
		expect(result.rejected).toHaveLength(1);
		expect(result.rejected[0].json).not.toHaveProperty('intake');
		expect(await journaled()).toEqual([]);
	});
});
