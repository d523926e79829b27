/**
 * Issue 16 end to end inside n8n-core: the Google Ads node writes the redelivery outbox around its send, the
 * Redelivery Trigger's poll() (in n8n-core's PollContext, as the server's ActiveWorkflows runs it) emits what is
 * due, and the Google Ads node settles it, on the real SQLite store and the strict Google Ads fake. Time is
 * nodeClock, moved by the tests.
 */
import { PollContext } from 'n8n-core';
import { scopedOutbox } from '../../src/destinations/outbox-scope';
import { type ICredentialDataDecryptedObject, type INode, type INodeExecutionData, type INodeParameters, Workflow } from 'n8n-workflow';
import { RedeliveryTrigger } from '../../nodes/RedeliveryTrigger/RedeliveryTrigger.node';
import { nodeClock } from '../../nodes/shared/clock';
import { platformNodeClass } from '../../nodes/shared/platform-classes';
import { FAKE_GOOGLE_ACCESS_TOKEN, FAKE_GOOGLE_DEVELOPER_TOKEN, FAKE_GOOGLE_REFRESH_TOKEN, type GoogleAdsFake, startGoogleAdsFake } from '../fakes/google-ads';
import { INTAKE_DESTINATION, journalPostback } from '../../src/destinations/intake-journal';
import { DAY, HOUR, adClick, ago, forwardOf, funnelItem, runDestination, runError, useTrackingStore } from './destination-helpers';
import { DestinationCredentialsHelper, NodeTypesWith, createAdditionalData, workflowOf } from './harness';

const GoogleAdsConversions = platformNodeClass('google_ads');
const GOOGLE = {
	type: 'n8n-nodes-postback.googleAdsConversions',
	name: 'Google Ads Conversions',
	nodeType: new GoogleAdsConversions(),
	credentialType: 'googleAdsConversionsOAuth2Api',
};
const TRIGGER_TYPE = 'n8n-nodes-postback.redeliveryTrigger';
const ACTION = '987654321';

const db = useTrackingStore();
/** The outbox as the nodes of the harness's workflow (id wf-package-test) see it: their scope only. */
const outbox = () => scopedOutbox(db.store(), 'wf-package-test');
let fake: GoogleAdsFake;
const realNow = nodeClock.now;
let clock = new Date();

beforeAll(async () => {
	fake = await startGoogleAdsFake({ now: () => nodeClock.now() });
	nodeClock.now = () => new Date(clock.getTime());
});
afterAll(async () => {
	nodeClock.now = realNow;
	await fake.close();
});
beforeEach(() => {
	clock = new Date();
});

function credential(): ICredentialDataDecryptedObject {
	return {
		clientId: 'fake-client-id.apps.googleusercontent.com',
		clientSecret: 'fake-client-secret',
		accessTokenUrl: fake.tokenUrl,
		developerToken: FAKE_GOOGLE_DEVELOPER_TOKEN,
		baseUrl: fake.url,
		oauthTokenData: { access_token: FAKE_GOOGLE_ACCESS_TOKEN, refresh_token: FAKE_GOOGLE_REFRESH_TOKEN, token_type: 'Bearer', expires_in: 3599 },
	};
}

/** The Google Ads node on the test's store, with its conversion log (and so the outbox) on. */
const sendToGoogle = async (items: INodeExecutionData[], conversionLog = true) =>
	await runDestination(
		GOOGLE,
		items,
		{ customerId: '123-456-7890', conversionAction: ACTION, conversionLog, ...(conversionLog ? { store: 'sqlite', sqlitePath: db.path() } : {}) },
		credential(),
	);

/** A funnel conversion whose click happened `clickAgeMs` before now; the fake knows the click. */
async function conversion(id: string, clickAgeMs: number) {
	const clickedAt = ago(clickAgeMs);
	const click = adClick(`rd_${id}`, clickedAt);
	fake.registerClick(click.gclid!, clickedAt);
	const { item } = await funnelItem(
		db.store(),
		{ click_id: `rd_${id}`, transaction_id: `RD-${id}`, commission: '39.50', amount: '79', occurred_at: ago(HOUR / 2) },
		click,
	);
	return item;
}

/** One poll of a Redelivery Trigger in n8n-core's PollContext; `id` tells two trigger nodes apart. */
async function poll(
	parameters: INodeParameters = {},
	id = 'redelivery-1',
): Promise<{ due: INodeExecutionData[]; gaveUp: INodeExecutionData[]; postbacks: INodeExecutionData[] } | null> {
	const node: INode = {
		id,
		name: `Redelivery Trigger ${id}`,
		type: TRIGGER_TYPE,
		typeVersion: 1,
		position: [0, 0],
		parameters: { store: 'sqlite', sqlitePath: db.path(), ...parameters },
	};
	const data = workflowOf([node], {}, 'Redelivery');
	const workflow = new Workflow({
		id: data.id,
		name: data.name,
		nodes: [node],
		connections: {},
		active: true,
		nodeTypes: new NodeTypesWith({ [TRIGGER_TYPE]: new RedeliveryTrigger() }),
		staticData: {},
		settings: data.settings,
	});
	// As the server's ActiveWorkflows: the node's parameters with n8n's defaults applied.
	const withDefaults = workflow.getNode(node.name)!;
	const context = new PollContext(workflow, withDefaults, createAdditionalData(new DestinationCredentialsHelper({})), 'trigger', 'activate');
	const result = await new RedeliveryTrigger().poll.call(context);
	if (result !== null) expect(result).toHaveLength(3);
	return result === null ? null : { due: result[0], gaveUp: result[1], postbacks: result[2] };
}

/** What the fake accepted for the conversion's click (the gclid adClick gives it). */
const acceptedFor = (id: string) => fake.accepted.filter((accepted) => accepted.clickId === adClick(`rd_${id}`, ago(0)).gclid);
const entryOf = async (conversionId: string) => (await outbox().listOutbox({ conversionIds: [conversionId] }))[0];

describe('Redelivery Trigger with the Google Ads node', () => {
	it('emits a retry_later conversion only once its retryAt has come, and the node then sends it once', async () => {
		const item = await conversion('later', HOUR);
		const conversionId = String(item.json.conversionId);
		const first = await sendToGoogle([item]);
		expect(runError(first.run)).toBeUndefined();
		// Unchanged output: the item on Failed with retry_later; the outbox holds it until then.
		expect(first.failed.map((failed) => forwardOf(failed).outcome)).toEqual(['retry_later']);
		const retryAt = forwardOf(first.failed[0]).retryAt!;
		expect(await entryOf(conversionId)).toMatchObject({ state: 'pending', attempts: 1, dueAt: new Date(retryAt).toISOString() });

		expect(await poll()).toBeNull();
		clock = new Date(Date.parse(retryAt) - 1000);
		expect(await poll()).toBeNull();
		expect(acceptedFor('later')).toEqual([]);

		clock = new Date(Date.parse(retryAt) + 1000);
		const due = await poll();
		expect(due!.gaveUp).toEqual([]);
		expect(due!.due).toHaveLength(1);
		const [redelivered] = due!.due;
		const { redelivery, ...stored } = redelivered.json;
		expect(stored).toEqual(item.json);
		expect(redelivery).toEqual({ destination: 'google_ads', attempt: 2, token: expect.any(String) });

		const second = await sendToGoogle([redelivered]);
		expect(runError(second.run)).toBeUndefined();
		expect(second.sent.map((sent) => forwardOf(sent).outcome)).toEqual(['sent']);
		expect(acceptedFor('later')).toHaveLength(1);
		expect(await entryOf(conversionId)).toMatchObject({ state: 'sent', attempts: 2 });
		expect((await entryOf(conversionId)).item).toBeUndefined();

		clock = new Date(Date.parse(retryAt) + DAY);
		expect(await poll()).toBeNull();
		// The conversion log still says what each attempt did.
		expect((await db.store().listDeliveries(conversionId)).map((line) => line.outcome)).toEqual(['retry_later', 'sent']);
	});

	it('re-emits a conversion the platform throttled through the last attempt; the node then settles it sent', async () => {
		const item = await conversion('throttled', 8 * HOUR);
		const conversionId = String(item.json.conversionId);
		fake.failNext(4, 429);
		const first = await sendToGoogle([item]);
		expect(first.failed.map((failed) => forwardOf(failed).outcome)).toEqual(['retry']);
		const pending = await entryOf(conversionId);
		expect(pending).toMatchObject({ state: 'pending', attempts: 1, lastCode: forwardOf(first.failed[0]).code });
		// Due after the first backoff step, not at once and not after the grace period.
		expect(Date.parse(pending.dueAt) - clock.getTime()).toBeGreaterThanOrEqual(60_000);
		expect(Date.parse(pending.dueAt) - clock.getTime()).toBeLessThan(10 * 60_000);

		clock = new Date(Date.parse(pending.dueAt));
		const due = await poll({ destinationScope: 'selected', destinations: ['google_ads'] });
		expect(due!.due.map((each) => [each.json.conversionId, (each.json.redelivery as { attempt: number }).attempt])).toEqual([[conversionId, 2]]);
		const second = await sendToGoogle(due!.due);
		expect(second.sent).toHaveLength(1);
		expect(await entryOf(conversionId)).toMatchObject({ state: 'sent', attempts: 2 });
		expect(acceptedFor('throttled')).toHaveLength(1);
	});

	it('never hands one due entry to two pollers', async () => {
		const ids = ['p1', 'p2', 'p3', 'p4', 'p5'].map((id) => `poll-${id}`);
		await outbox().enqueueDeliveries(ids.map((conversionId) => ({ conversionId, destination: 'meta', item: { conversionId }, dueAt: ago(HOUR) })));
		const [a, b] = await Promise.all([poll({ batchSize: 3 }, 'redelivery-a'), poll({ batchSize: 3 }, 'redelivery-b')]);
		const emitted = [...(a?.due ?? []), ...(b?.due ?? [])].map((each) => String(each.json.conversionId)).filter((id) => id.startsWith('poll-'));
		expect(emitted.sort()).toEqual(ids);
		// Claimed under their lease: nothing is due again until it runs out.
		expect(await poll({}, 'redelivery-c')).toBeNull();
		clock = new Date(Date.now() + 11 * 60_000);
		const again = await poll({ batchSize: 10 }, 'redelivery-c');
		expect(again!.due.map((each) => String(each.json.conversionId)).sort()).toEqual(ids);
		for (const conversionId of ids) await outbox().settleDelivery({ conversionId, destination: 'meta' }, { state: 'sent' });
	});

	it('puts an entry past the attempt or age limit on Gave Up once, with its history', async () => {
		const item = await conversion('spent', 8 * HOUR);
		const conversionId = String(item.json.conversionId);
		fake.failNext(4, 503);
		await sendToGoogle([item]);
		await outbox().enqueueDeliveries([{ conversionId: 'old-one', destination: 'tiktok', item: { conversionId: 'old-one' }, dueAt: ago(HOUR) }]);

		// One attempt is the limit: the throttled conversion gives up when it is next due; the old one is young yet.
		clock = new Date(Date.now() + HOUR);
		const spent = await poll({ options: { maxAttempts: 1 } });
		expect(spent!.due.map((each) => each.json.conversionId)).toEqual(['old-one']);
		expect(spent!.gaveUp.map((each) => each.json)).toEqual([
			expect.objectContaining({
				conversionId,
				destination: 'google_ads',
				reason: 'max_attempts',
				attempts: 1,
				item: item.json,
				history: [expect.objectContaining({ conversionId, destination: 'google_ads', outcome: 'failed' })],
			}),
		]);
		expect(await entryOf(conversionId)).toMatchObject({ state: 'gave_up' });

		// Past seven days (the default), the old one gives up too, and once only.
		clock = new Date(Date.now() + 7 * DAY + HOUR);
		const old = await poll();
		expect(old!.due).toEqual([]);
		expect(old!.gaveUp.map((each) => [each.json.conversionId, each.json.reason, each.json.history])).toEqual([['old-one', 'max_age', []]]);
		expect(await poll()).toBeNull();
		expect(await entryOf('old-one')).toMatchObject({ state: 'gave_up', lastCode: 'max_age' });
	});

	it('says so on the item when a redelivered conversion reaches a node without its conversion log (nothing settles it)', async () => {
		const item = await conversion('nolog', 8 * HOUR);
		const conversionId = String(item.json.conversionId);
		await outbox().enqueueDeliveries([{ conversionId, destination: 'google_ads', item: item.json, dueAt: ago(HOUR) }]);
		const due = await poll({ destinationScope: 'selected', destinations: ['google_ads'] });
		const result = await sendToGoogle(due!.due, false);
		expect(result.sent).toHaveLength(1);
		expect(result.sent[0].json.conversionLogError).toMatch(/^This item came from the Redelivery Trigger, but Record in Conversion Log is off/);
		expect(await entryOf(conversionId)).toMatchObject({ state: 'pending', attempts: 0 });
		await outbox().settleDelivery({ conversionId, destination: 'google_ads' }, { state: 'sent' });
	});

	it('writes the entry due after the grace period: 10 minutes, or POSTBACK_REDELIVERY_GRACE_SECONDS when the operator sets it', async () => {
		const saved = process.env.POSTBACK_REDELIVERY_GRACE_SECONDS;
		try {
			delete process.env.POSTBACK_REDELIVERY_GRACE_SECONDS;
			const byDefault = await conversion('grace-default', 8 * HOUR);
			expect((await sendToGoogle([byDefault])).sent).toHaveLength(1);
			// A sent entry keeps the due time written before the send: the moment a crashed run's entry would fall due.
			const defaultEntry = await entryOf(String(byDefault.json.conversionId));
			expect(defaultEntry).toMatchObject({ state: 'sent', attempts: 1 });
			expect(Date.parse(defaultEntry.dueAt) - clock.getTime()).toBe(10 * 60_000);

			process.env.POSTBACK_REDELIVERY_GRACE_SECONDS = '45';
			const shortened = await conversion('grace-45', 8 * HOUR);
			expect((await sendToGoogle([shortened])).sent).toHaveLength(1);
			const shortEntry = await entryOf(String(shortened.json.conversionId));
			expect(shortEntry).toMatchObject({ state: 'sent', attempts: 1 });
			expect(Date.parse(shortEntry.dueAt) - clock.getTime()).toBe(45_000);
		} finally {
			if (saved === undefined) delete process.env.POSTBACK_REDELIVERY_GRACE_SECONDS;
			else process.env.POSTBACK_REDELIVERY_GRACE_SECONDS = saved;
		}
	});

	it('emits a journaled postback the Funnel never decided on Postbacks only, with the claim’s mark, and gives it up like any entry', async () => {
		const accepted = { network: 'shareasale', clickId: 'clk-journal-1', transactionId: 'tx-journal-1', commission: '39.5', currency: 'USD' };
		const marked = await journalPostback(outbox(), accepted, clock);
		const id = (marked.intake as { id: string }).id;
		await outbox().enqueueDeliveries([{ conversionId: 'beside-intake', destination: 'meta', item: { conversionId: 'beside-intake' }, dueAt: ago(HOUR) }]);

		// Within the grace period the run that accepted it may still be deciding it.
		const early = await poll();
		expect(early!.due.map((each) => each.json.conversionId)).toEqual(['beside-intake']);
		expect(early!.postbacks).toEqual([]);
		await outbox().settleDelivery({ conversionId: 'beside-intake', destination: 'meta' }, { state: 'sent' });

		clock = new Date(clock.getTime() + 11 * 60_000);
		const due = await poll();
		expect(due!.due).toEqual([]);
		expect(due!.gaveUp).toEqual([]);
		expect(due!.postbacks.map((each) => each.json)).toEqual([
			{ ...marked, redelivery: { destination: INTAKE_DESTINATION, attempt: 1, token: expect.any(String) } },
		]);
		expect(due!.postbacks[0].json).not.toHaveProperty('conversionId');

		// Chosen by name in Selected scope; a platform-only selection leaves it alone.
		clock = new Date(clock.getTime() + 11 * 60_000);
		expect(await poll({ destinationScope: 'selected', destinations: ['google_ads'] })).toBeNull();
		const selected = await poll({ destinationScope: 'selected', destinations: [INTAKE_DESTINATION] });
		expect(selected!.postbacks.map((each) => (each.json.intake as { id: string }).id)).toEqual([id]);

		// Never decided: past the age limit it comes out once on Gave Up, not on Postbacks (claims alone count no attempt).
		clock = new Date(clock.getTime() + 11 * 60_000);
		const spent = await poll({ options: { maxAgeDays: 0.01 } });
		expect(spent!.postbacks).toEqual([]);
		expect(spent!.due).toEqual([]);
		expect(spent!.gaveUp.map((each) => each.json)).toEqual([
			expect.objectContaining({ conversionId: id, destination: INTAKE_DESTINATION, reason: 'max_age', item: marked, history: [] }),
		]);
		expect(await entryOf(id)).toMatchObject({ state: 'gave_up', lastCode: 'max_age' });
		clock = new Date(clock.getTime() + DAY);
		expect(await poll()).toBeNull();
	});
});
