import fc from 'fast-check';
import { type ForwardRun, type ItemForward, forwardEvents } from '../../../../src/destinations/forward';
import type { EventResult, ForwardableEvent } from '../../../../src/destinations';

const event = (n: number) => ({ eventName: 'OutboundClick', clickId: `c${n}`, clickedAt: '2026-07-15T10:00:00Z' }) as unknown as ForwardableEvent;
const clickIdOf = (e: ForwardableEvent) => (e as unknown as { clickId: string }).clickId;

interface Config {
	pixelId: string;
}

/** A run over `count` items whose settings `configOf` gives (throw to refuse one); sends are recorded. */
function fakeRun(count: number, configOf: (itemIndex: number) => Config, overrides: Partial<ForwardRun<Config>> = {}) {
	const sends: Array<{ config: Config; clickIds: string[] }> = [];
	const errors: Array<{ itemIndex: number; code: string; message: string }> = [];
	const run: ForwardRun<Config> = {
		platform: 'reddit',
		count,
		readItem: (itemIndex) => ({ config: configOf(itemIndex), event: event(itemIndex) }),
		send: async (events, config) => {
			sends.push({ config, clickIds: events.map(clickIdOf) });
			return events.map((e, index): EventResult => ({ index, outcome: 'sent', eventId: `ev_${clickIdOf(e)}` }));
		},
		onError: (error, itemIndex, code) => {
			errors.push({ itemIndex, code, message: (error as Error).message });
		},
		...overrides,
	};
	return { run, sends, errors };
}

const indexesOf = (forwards: ItemForward[]) => forwards.map((forward) => forward.itemIndex);

describe('forwardEvents', () => {
	test('items with equal settings are sent together; each item gets its own result, in input order', async () => {
		const { run, sends } = fakeRun(4, (i) => ({ pixelId: i % 2 === 0 ? 'A' : 'B' }));
		const forwards = await forwardEvents(run);
		expect(sends).toEqual([
			{ config: { pixelId: 'A' }, clickIds: ['c0', 'c2'] },
			{ config: { pixelId: 'B' }, clickIds: ['c1', 'c3'] },
		]);
		expect(forwards).toEqual([0, 1, 2, 3].map((itemIndex) => ({ itemIndex, forward: { platform: 'reddit', outcome: 'sent', eventId: `ev_c${itemIndex}` } })));
	});

	test('an item that cannot be read fails as configuration when onError lets it; the rest are sent', async () => {
		const { run, sends, errors } = fakeRun(3, (i) => {
			if (i === 1) throw new Error('Pixel ID is empty');
			return { pixelId: 'A' };
		});
		const forwards = await forwardEvents(run);
		expect(errors).toEqual([{ itemIndex: 1, code: 'configuration', message: 'Pixel ID is empty' }]);
		expect(sends).toEqual([{ config: { pixelId: 'A' }, clickIds: ['c0', 'c2'] }]);
		expect(forwards[1]).toEqual({ itemIndex: 1, forward: { platform: 'reddit', outcome: 'failed', code: 'configuration', reason: 'Pixel ID is empty' } });
		expect(indexesOf(forwards)).toEqual([0, 1, 2]);
	});

	test('onError throwing stops the run before anything is sent, even for a later item', async () => {
		const { run, sends } = fakeRun(3, (i) => {
			if (i === 2) throw new Error('bad');
			return { pixelId: 'A' };
		});
		run.onError = (error) => {
			throw error;
		};
		await expect(forwardEvents(run)).rejects.toThrow('bad');
		expect(sends).toEqual([]);
	});

	test("a group that cannot be sent fails as send_error, reported once with the group's first item", async () => {
		const { run, errors } = fakeRun(4, (i) => ({ pixelId: i < 2 ? 'A' : 'B' }));
		const send = run.send;
		run.send = async (events, config) => {
			if (config.pixelId === 'B') throw new Error('socket hang up');
			return await send(events, config);
		};
		const forwards = await forwardEvents(run);
		expect(errors).toEqual([{ itemIndex: 2, code: 'send_error', message: 'socket hang up' }]);
		expect(forwards.slice(2)).toEqual(
			[2, 3].map((itemIndex) => ({ itemIndex, forward: { platform: 'reddit', outcome: 'failed', code: 'send_error', reason: 'socket hang up' } })),
		);
		expect(forwards.slice(0, 2).map(({ forward }) => forward.outcome)).toEqual(['sent', 'sent']);
	});

	test('results map to items by position in their group', async () => {
		const { run } = fakeRun(3, () => ({ pixelId: 'A' }));
		run.send = async (events) =>
			events.map((_, index): EventResult => (index === 1 ? { index, outcome: 'failed', code: '400', reason: 'bad' } : { index, outcome: 'sent' }));
		const forwards = await forwardEvents(run);
		expect(forwards.map(({ forward }) => forward.outcome)).toEqual(['sent', 'failed', 'sent']);
		expect(forwards[1].forward).toEqual({ platform: 'reddit', outcome: 'failed', code: '400', reason: 'bad' });
	});

	test('every item gets exactly one forward, in input order, whatever is refused', async () => {
		await fc.assert(
			fc.asyncProperty(fc.array(fc.constantFrom('A', 'B', 'refused'), { maxLength: 30 }), async (settings) => {
				const { run, sends } = fakeRun(settings.length, (i) => {
					if (settings[i] === 'refused') throw new Error('refused');
					return { pixelId: settings[i] };
				});
				const forwards = await forwardEvents(run);
				expect(indexesOf(forwards)).toEqual(settings.map((_, i) => i));
				forwards.forEach(({ forward }, i) => expect(forward.outcome).toBe(settings[i] === 'refused' ? 'failed' : 'sent'));
				expect(sends.flatMap((sent) => sent.clickIds).length).toBe(settings.filter((value) => value !== 'refused').length);
			}),
		);
	});
});
